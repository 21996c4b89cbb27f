package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
 * Defect 9: load runs were unbounded (any number at once, never stoppable, running ones evicted,
 * unknown parameters ignored). Long runs here go to a peer that never answers, so they stay
 * running until cancelled (the exchange timeout, which also ends a stalled run, is 30 s here).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"demo.load.max-concurrent-runs=2", "demo.exchange-timeout=30s"})
@ActiveProfiles("test")
@DirtiesContext
@Timeout(60)
class LoadLimitsTest {

    private static final LoopbackPeer MUTE = LoopbackPeer.start(PeerBehavior.silent());
    private static final String LONG_RUN = "/api/clients/mute/load?messages=1000&concurrency=2";

    @DynamicPropertySource
    static void mutePeer(DynamicPropertyRegistry registry) {
        registry.add("bufferevent.clients.mute.host", () -> "127.0.0.1");
        registry.add("bufferevent.clients.mute.port", MUTE::port);
        registry.add("bufferevent.clients.mute.framing.type", () -> "line");
        // A run on mute must stay running until cancelled: with the default 5 s reply timeout its
        // first failure ended it, and on a slow machine the eviction test outlived it.
        registry.add("bufferevent.clients.mute.reply-timeout", () -> "60s");
    }

    @AfterAll
    static void closePeer() {
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
        assertThat(clients.get("echo").awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(clients.get("mute").awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    /** Cancels whatever a test left running, so each test starts with every slot free. */
    @AfterEach
    void cancelRunning() throws Exception {
        Matcher ids = Pattern.compile("\"id\":(\\d+)").matcher(http.get("/api/loads").body());
        while (ids.find()) {
            http.delete("/api/loads/" + ids.group(1));
        }
    }

    @Test
    void runsBeyondTheLimitGet429UntilOneEnds() throws Exception {
        String first = location(http.post(LONG_RUN));
        location(http.post(LONG_RUN));

        HttpResponse<String> third = http.post(LONG_RUN);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(third.body()).contains("demo.load.max-concurrent-runs").contains("2 load runs");

        assertThat(http.delete(first).statusCode()).isEqualTo(200);
        location(http.post(LONG_RUN)); // a slot is free again
    }

    @Test
    void deleteCancelsARunThatThenStopsSending() throws Exception {
        long messages = 10_000_000;
        String run = location(http.post("/api/clients/echo/load?messages=" + messages + "&concurrency=4"));
        await().atMost(Duration.ofSeconds(20)).until(() -> DemoHttp.number(http.get(run).body(), "replied") >= 1_000);

        HttpResponse<String> cancelled = http.delete(run);
        assertThat(cancelled.statusCode()).isEqualTo(200);
        String body = cancelled.body();
        assertThat(DemoHttp.flag(body, "cancelled")).as(body).isTrue();
        assertThat(DemoHttp.flag(body, "done")).as(body).isTrue();
        assertThat(DemoHttp.number(body, "notSent")).as(body).isPositive();
        assertThat(DemoHttp.number(body, "replied") + DemoHttp.number(body, "failed") + DemoHttp.number(body, "notSent"))
                .as(body).isEqualTo(messages);
        // It stays stopped: the echo client's written bytes settle (the last replies may still be
        // on their way) and then stay put.
        AtomicLong previous = new AtomicLong(-1);
        await().pollInterval(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
                .until(() -> {
                    long now = echoBytesWritten();
                    return previous.getAndSet(now) == now;
                });
        long settled = previous.get();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> echoBytesWritten() == settled);
        assertThat(http.get(run).body()).isEqualTo(body);
        // Cancelling again changes nothing.
        assertThat(http.delete(run).body()).isEqualTo(body);
    }

    @Test
    void deletingAnUnknownRunIs404() throws Exception {
        HttpResponse<String> r = http.delete("/api/loads/987654");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(r.body()).contains("no load run 987654");
    }

    @Test
    void countAndConcurrencyOutsideTheirRangesAre400NamingTheParameterAndTheRange() throws Exception {
        String[][] cases = {
            {"messages=0", "messages must be in 1..10000000, was 0"},
            {"messages=10000001", "messages must be in 1..10000000, was 10000001"},
            {"messages=-5", "messages must be in 1..10000000, was -5"},
            {"messages=99999999999999999999", "'messages' must be a number"},
            {"messages=", "'messages' must be a number"},
            {"concurrency=0", "concurrency must be in 1..1024, was 0"},
            {"concurrency=1025", "concurrency must be in 1..1024, was 1025"},
            {"concurrency=lots", "'concurrency' must be a number"},
            {"messages=5&messages=6", "'messages' is given 2 times"},
        };
        String before = http.get("/api/loads").body();
        for (String[] c : cases) {
            HttpResponse<String> r = http.post("/api/clients/echo/load?" + c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.body()).as(c[0]).contains(c[1]);
        }
        assertThat(http.get("/api/loads").body()).as("no run was started").isEqualTo(before);
    }

    @Test
    void unknownParametersAre400NamingTheParameter() throws Exception {
        String before = http.get("/api/loads").body();
        HttpResponse<String> typo = http.post("/api/clients/echo/load?mesages=100");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(typo.body()).contains("unknown parameter 'mesages'").contains("messages").contains("concurrency");
        HttpResponse<String> extra = http.post("/api/clients/echo/load?messages=10&concurrency=2&rate=5");
        assertThat(extra.statusCode()).isEqualTo(400);
        assertThat(extra.body()).contains("unknown parameter 'rate'");
        assertThat(http.get("/api/loads").body()).as("no run was started").isEqualTo(before);
    }

    @Test
    void aRunningRunIsNeverEvictedByLaterOnes() throws Exception {
        String longRun = location(http.post(LONG_RUN));
        // Far more finished runs than the list keeps (100): each one done before the next starts.
        for (int i = 0; i < 110; i++) {
            String shortRun = location(http.post("/api/clients/echo/load?messages=1&concurrency=1"));
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10))
                    .until(() -> DemoHttp.flag(http.get(shortRun).body(), "done"));
        }
        HttpResponse<String> stillThere = http.get(longRun);
        assertThat(stillThere.statusCode()).isEqualTo(200);
        assertThat(DemoHttp.flag(stillThere.body(), "done")).isFalse();
        // Bounded: the 100 latest finished runs (counted when a run starts) and those running (at most 2 here).
        assertThat(http.get("/api/loads").body().split("\"id\":").length - 1).isLessThanOrEqualTo(LoadRuns.KEPT_FINISHED + 2);
    }

    private long echoBytesWritten() throws Exception {
        String stats = http.get("/api/stats").body();
        Matcher m = Pattern.compile("\"echo\":\\{.*?\"bytesWritten\":(\\d+)").matcher(stats);
        assertThat(m.find()).as(stats).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String location(HttpResponse<String> started) {
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        return started.headers().firstValue("Location").orElseThrow();
    }
}
