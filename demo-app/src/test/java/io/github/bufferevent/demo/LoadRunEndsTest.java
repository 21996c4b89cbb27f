package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Defect 8: killing the server during a load run froze the run at done=false for ever. A run ends
 * now when its connection goes (failures counted, the rest not sent) and when its peer stops
 * answering (no reply within demo.exchange-timeout: 500 ms in the test profile).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@DirtiesContext
@Timeout(60)
class LoadRunEndsTest {

    private static final LoopbackPeer DOOMED = LoopbackPeer.start(PeerBehavior.echo());
    private static final LoopbackPeer MUTE = LoopbackPeer.start(PeerBehavior.silent());

    @DynamicPropertySource
    static void peers(DynamicPropertyRegistry registry) {
        registry.add("bufferevent.clients.doomed.host", () -> "127.0.0.1");
        registry.add("bufferevent.clients.doomed.port", DOOMED::port);
        registry.add("bufferevent.clients.doomed.reconnect.initial-backoff", () -> "1s");
        registry.add("bufferevent.clients.doomed.framing.type", () -> "line");
        registry.add("bufferevent.clients.mute.host", () -> "127.0.0.1");
        registry.add("bufferevent.clients.mute.port", MUTE::port);
        registry.add("bufferevent.clients.mute.framing.type", () -> "line");
    }

    @AfterAll
    static void closePeers() {
        DOOMED.close();
        MUTE.close();
    }

    @Autowired
    Environment environment;

    @Autowired
    BufferEventClients clients;

    private DemoHttp http;

    @BeforeEach
    void setUp() {
        http = new DemoHttp(environment);
    }

    @Test
    void aRunEndsWithItsFailuresCountedWhenTheServerDiesMidRun() throws Exception {
        assertThat(clients.get("doomed").awaitConnected(Duration.ofSeconds(10))).isTrue();
        long messages = 10_000_000;
        int concurrency = 8;
        HttpResponse<String> started = http.post("/api/clients/doomed/load?messages=" + messages + "&concurrency=" + concurrency);
        assertThat(started.statusCode()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();

        await().atMost(Duration.ofSeconds(20)).until(() -> DemoHttp.number(http.get(location).body(), "replied") >= 2_000);
        DOOMED.stop(); // resets every connection and closes the port, as a crashed server would

        await().atMost(Duration.ofSeconds(15)).until(() -> DemoHttp.flag(http.get(location).body(), "done"));
        String done = http.get(location).body();
        long replied = DemoHttp.number(done, "replied");
        long failed = DemoHttp.number(done, "failed");
        long notSent = DemoHttp.number(done, "notSent");
        assertThat(failed).as(done).isPositive().isLessThanOrEqualTo(concurrency); // fails fast: no spinning through the rest
        assertThat(notSent).as(done).isPositive();
        assertThat(replied + failed + notSent).as(done).isEqualTo(messages);
        assertThat(DemoHttp.number(done, "sent")).as(done).isEqualTo(replied + failed);
        assertThat(done).contains("\"lastError\":\"client 'doomed'");
        assertThat(DemoHttp.flag(done, "cancelled")).isFalse();
        // The progress is final: nothing moves once the run is done, not even the elapsed time.
        assertThat(http.get(location).body()).isEqualTo(done);
    }

    @Test
    void aRunEndsWhenThePeerStopsAnswering() throws Exception {
        assertThat(clients.get("mute").awaitConnected(Duration.ofSeconds(10))).isTrue();
        HttpResponse<String> started = http.post("/api/clients/mute/load?messages=100&concurrency=4");
        assertThat(started.statusCode()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();

        await().atMost(Duration.ofSeconds(10)).until(() -> DemoHttp.flag(http.get(location).body(), "done"));
        String done = http.get(location).body();
        assertThat(DemoHttp.number(done, "replied")).as(done).isZero();
        assertThat(DemoHttp.number(done, "failed")).as(done).isEqualTo(4);
        assertThat(DemoHttp.number(done, "notSent")).as(done).isEqualTo(96);
        assertThat(done).contains("no reply from client 'mute' within 500 ms");
    }
}
