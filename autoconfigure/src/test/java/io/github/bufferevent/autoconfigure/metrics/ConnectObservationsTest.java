package io.github.bufferevent.autoconfigure.metrics;

import static io.github.bufferevent.autoconfigure.TestPorts.closedPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.TestPki;
import io.github.bufferevent.TlsTestServer;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.client.BufferEventClient;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * With an ObservationRegistry, each connect attempt ({@code bufferevent.connect}) and each TLS
 * handshake ({@code bufferevent.tls.handshake}) is an Observation with the client and the outcome
 * as low-cardinality key values, started and stopped, so a trace shows them as spans.
 */
@Timeout(60)
class ConnectObservationsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
            SslAutoConfiguration.class, BufferEventMetricsAutoConfiguration.class, BufferEventAutoConfiguration.class));

    @TempDir
    Path pem;

    @Test
    void connectsAndHandshakesAreObservations() throws Exception {
        TestPki pki = TestPki.get();
        pki.writePem(pem);
        TestObservationRegistry observations = TestObservationRegistry.create();
        int refused = closedPort();
        try (EventBase serverBase = EventBase.builder().threadName("tls-peer").daemon(true).build().start();
                TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext(), false, true, b -> { })) {
            runner.withBean(TestObservationRegistry.class, () -> observations).withPropertyValues(
                    "spring.ssl.bundle.pem.backend.truststore.certificate=file:" + pem.resolve("ca.pem"),
                    "bufferevent.clients.secure.host=" + TestPki.HOST, "bufferevent.clients.secure.port=" + server.port(),
                    "bufferevent.clients.secure.ssl.bundle=backend",
                    "bufferevent.clients.down.host=127.0.0.1", "bufferevent.clients.down.port=" + refused).run(context -> {
                        assertThat(context).hasNotFailed();
                        BufferEventClient secure = context.getBean(BufferEventClients.class).get("secure");
                        assertThat(secure.awaitConnected(Duration.ofSeconds(20))).isTrue();
                        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                            TestObservationRegistryAssert.assertThat(observations)
                                    .hasObservationWithNameEqualToIgnoringCase("bufferevent.tls.handshake").that()
                                    .hasLowCardinalityKeyValue("client", "secure").hasLowCardinalityKeyValue("outcome", "success")
                                    .hasBeenStarted().hasBeenStopped();
                            TestObservationRegistryAssert.assertThat(observations).hasAnObservation(o -> o
                                    .hasNameEqualTo("bufferevent.connect").hasLowCardinalityKeyValue("client", "secure")
                                    .hasLowCardinalityKeyValue("outcome", "success"));
                            TestObservationRegistryAssert.assertThat(observations).hasAnObservation(o -> o
                                    .hasNameEqualTo("bufferevent.connect").hasLowCardinalityKeyValue("client", "down")
                                    .hasLowCardinalityKeyValue("outcome", "refused").hasError());
                        });
                        // Only low-cardinality values: no address or port anywhere in the key values.
                        TestObservationRegistryAssert.assertThat(observations).hasHandledContextsThatSatisfy(contexts -> contexts
                                .forEach(c -> c.getAllKeyValues().forEach(kv -> assertThat(kv.getValue()).doesNotContain("127.0.0.1")
                                        .doesNotContain(String.valueOf(server.port())))));
                    });
        }
    }
}
