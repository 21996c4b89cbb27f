package io.github.bufferevent.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.client.BufferEventClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The exchange timer by outcome, the in-flight gauge, and one Observation per exchange. */
@Timeout(60)
class ExchangeMetricsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
            BufferEventMetricsAutoConfiguration.class, BufferEventAutoConfiguration.class));

    /** Echoes lines in order; "slow" is answered after a second, as a busy server would. */
    private static ServerSocket lineServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in));
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals("slow")) {
                        Thread.sleep(1000); // the peer being slow is the point of the test
                    }
                    out.write((line + "\r\n").getBytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException closed) {
                // the test is over
            }
        }, "exchange-metrics-peer");
        t.setDaemon(true);
        t.start();
        return server;
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void exchangesAreTimedByOutcomeAndCountedInFlight() throws Exception {
        try (ServerSocket server = lineServer()) {
            runner.withPropertyValues("bufferevent.clients.kv.host=127.0.0.1", "bufferevent.clients.kv.port=" + server.getLocalPort(),
                    "bufferevent.clients.kv.framing.type=line", "bufferevent.clients.kv.reply-timeout=300ms",
                    "bufferevent.clients.kv.max-in-flight=2").run(context -> {
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        BufferEventClient kv = context.getBean(BufferEventClients.class).get("kv");
                        assertThat(kv.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        assertThat(kv.exchange("one").get(10, TimeUnit.SECONDS)).isEqualTo("one");
                        CompletableFuture<String> slow = kv.exchange("slow");
                        CompletableFuture<String> second = kv.exchange("two"); // in line behind the slow one
                        assertThat(failure(kv.exchange("three"))).hasMessageContaining("max-in-flight");
                        assertThat(registry.get(BufferEventMeters.EXCHANGES_IN_FLIGHT).tag("client", "kv").gauge().value()).isEqualTo(2.0);
                        assertThat(failure(slow)).isInstanceOf(TimeoutException.class);
                        // The late reply to "slow" is dropped (it stays in line as a tombstone), so
                        // "two" gets its own reply, not the late one. Its own timeout is 300 ms too:
                        assertThat(failure(second)).isInstanceOf(TimeoutException.class);
                        // Timed out but still owed their replies, both hold their slots until the replies come.
                        await().atMost(Duration.ofSeconds(5))
                                .until(() -> registry.get(BufferEventMeters.EXCHANGES_IN_FLIGHT).tag("client", "kv").gauge().value() == 0);
                        assertThat(kv.exchange("four").get(10, TimeUnit.SECONDS)).isEqualTo("four");
                        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                            assertThat(registry.get(BufferEventMeters.EXCHANGES).tags("client", "kv", "outcome", "success").timer().count())
                                    .isEqualTo(2);
                            assertThat(registry.get(BufferEventMeters.EXCHANGES).tags("client", "kv", "outcome", "timeout").timer().count())
                                    .isEqualTo(2);
                            assertThat(registry.get(BufferEventMeters.EXCHANGES).tags("client", "kv", "outcome", "rejected").timer().count())
                                    .isEqualTo(1);
                        });
                        assertThat(registry.find(BufferEventMeters.EXCHANGES).tags("client", "kv", "outcome", "too-long").timer())
                                .as("no series for an outcome that never happened").isNull();
                    });
        }
    }

    @Test
    void withAnObservationRegistryEachExchangeIsAnObservation() throws Exception {
        TestObservationRegistry observations = TestObservationRegistry.create();
        try (ServerSocket server = lineServer()) {
            runner.withBean(TestObservationRegistry.class, () -> observations)
                    .withPropertyValues("bufferevent.clients.kv.host=127.0.0.1", "bufferevent.clients.kv.port=" + server.getLocalPort(),
                            "bufferevent.clients.kv.framing.type=line")
                    .run(context -> {
                        BufferEventClient kv = context.getBean(BufferEventClients.class).get("kv");
                        assertThat(kv.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        assertThat(kv.exchange("traced").get(10, TimeUnit.SECONDS)).isEqualTo("traced");
                        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> TestObservationRegistryAssert.assertThat(observations)
                                .hasObservationWithNameEqualTo("bufferevent.exchange").that()
                                .hasLowCardinalityKeyValue("client", "kv").hasLowCardinalityKeyValue("outcome", "success")
                                .hasBeenStarted().hasBeenStopped());
                    });
        }
    }
}
