package io.github.bufferevent.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.TestPki;
import io.github.bufferevent.TlsTestServer;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.autoconfigure.metrics.BufferEventMeters;
import io.github.bufferevent.autoconfigure.metrics.BufferEventMetricsAutoConfiguration;
import io.github.bufferevent.client.BufferEventClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a TLS client shows: {@code bufferevent.tls.handshakes} by outcome (success, failure,
 * timeout; none for a plain client) and, in the {@code bufferevents} endpoint, each connection's
 * protocol, cipher suite and the peer certificate's subject and expiry.
 */
@Timeout(90)
class BufferEventTlsObservabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final TestPki pki = TestPki.get();
    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
            SslAutoConfiguration.class, BufferEventMetricsAutoConfiguration.class, BufferEventAutoConfiguration.class,
            BufferEventEndpointAutoConfiguration.class, EndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=bufferevents");

    @TempDir
    Path pem;
    private EventBase serverBase;

    @BeforeEach
    void setUp() throws Exception {
        pki.writePem(pem);
        serverBase = EventBase.builder().threadName("tls-peer").daemon(true).build().start();
    }

    @AfterEach
    void tearDown() {
        serverBase.close();
    }

    @Test
    void handshakesAreTimedByOutcomeAndTheEndpointShowsTheSession() throws Exception {
        try (TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext(), false, true, b -> { });
                ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            runner.withPropertyValues(
                    "spring.ssl.bundle.pem.backend.truststore.certificate=file:" + pem.resolve("ca.pem"),
                    "bufferevent.defaults.ssl.bundle=backend",
                    "bufferevent.clients.good.host=" + TestPki.HOST, "bufferevent.clients.good.port=" + server.port(),
                    "bufferevent.clients.good.framing.type=line",
                    // the certificate names localhost, not this: every handshake fails
                    "bufferevent.clients.wrong-name.host=" + TestPki.HOST, "bufferevent.clients.wrong-name.port=" + server.port(),
                    "bufferevent.clients.wrong-name.ssl.server-name=other.example",
                    // accepts TCP (the backlog does), never answers the hello
                    "bufferevent.clients.silent.host=127.0.0.1", "bufferevent.clients.silent.port=" + silent.getLocalPort(),
                    "bufferevent.clients.silent.ssl.handshake-timeout=300ms",
                    "bufferevent.clients.silent.ssl.verify-hostname=false",
                    "bufferevent.clients.plain.host=127.0.0.1", "bufferevent.clients.plain.port=" + silent.getLocalPort(),
                    "bufferevent.clients.plain.ssl.enabled=false").run(context -> {
                        assertThat(context).hasNotFailed();
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        BufferEventClient good = context.getBean(BufferEventClients.class).get("good");
                        assertThat(good.awaitConnected(WAIT)).isTrue();
                        assertThat(good.exchange("ping").get(20, TimeUnit.SECONDS)).isEqualTo("ping");

                        assertThat(handshakes(registry, "good", "success").count()).isEqualTo(1);
                        await().atMost(WAIT).until(() -> handshakes(registry, "wrong-name", "failure") != null
                                && handshakes(registry, "wrong-name", "failure").count() >= 1);
                        await().atMost(WAIT).until(() -> handshakes(registry, "silent", "timeout") != null
                                && handshakes(registry, "silent", "timeout").count() >= 1);
                        assertThat(registry.find(BufferEventMeters.ERRORS).tags("client", "wrong-name", "kind", "tls").counter().count())
                                .isGreaterThanOrEqualTo(1);
                        assertThat(registry.find(BufferEventMeters.TLS_HANDSHAKES).tag("client", "plain").timers())
                                .as("no TLS series for a plain client").isEmpty();
                        assertThat(registry.find(BufferEventMeters.TLS_HANDSHAKES).tag("client", "good").timers())
                                .as("only the outcomes that happened").hasSize(1);

                        JsonNode json = JsonMapper.builder().findAndAddModules().build()
                                .valueToTree(context.getBean(BufferEventsEndpoint.class).bufferEvents());
                        JsonNode tls = json.get("clients").get("good").get("connections").get(0).get("tls");
                        assertThat(tls.get("protocol").asString()).startsWith("TLSv1.");
                        assertThat(tls.get("cipherSuite").asString()).startsWith("TLS_");
                        assertThat(tls.get("peerSubject").asString()).isEqualTo("CN=" + TestPki.HOST);
                        assertThat(Instant.parse(tls.get("peerCertificateExpires").asString())).isAfter(Instant.now());
                        assertThat(json.get("clients").get("plain").get("connections").get(0).get("tls").isNull()).isTrue();
                        boolean liveShowsTls = false;
                        for (JsonNode bev : json.get("bufferEvents")) {
                            if (bev.get("client").asString().equals("good") && bev.get("state").asString().equals("CONNECTED")) {
                                assertThat(bev.get("tls").get("peerSubject").asString()).isEqualTo("CN=" + TestPki.HOST);
                                liveShowsTls = true;
                            }
                        }
                        assertThat(liveShowsTls).as("the live bufferevent of 'good' shows its session").isTrue();
                        assertThat(json.toString()).doesNotContain("PRIVATE");
                    });
        }
    }

    private static Timer handshakes(MeterRegistry registry, String client, String outcome) {
        return registry.find(BufferEventMeters.TLS_HANDSHAKES).tags("client", client, "outcome", outcome).timer();
    }
}
