package io.github.bufferevent.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.TestPki;
import io.github.bufferevent.TlsTestServer;
import io.github.bufferevent.client.BufferEventClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * TLS for named clients from properties alone: {@code ssl.*} per client and in the defaults,
 * material from a Boot PEM bundle (trust, and a key for mutual TLS), a reloaded bundle reaching
 * the next connection, and bad values stopping startup with the property named. The peer is a
 * real TLS echo server (core's {@link TlsTestServer}) on 127.0.0.1 with the test PKI.
 */
@Timeout(90)
class BufferEventSslPropertiesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final TestPki pki = TestPki.get();
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, BufferEventAutoConfiguration.class));

    @TempDir
    Path pem;
    private EventBase serverBase;

    @BeforeEach
    void setUp() throws Exception {
        pki.writePem(pem); // ca.pem, server.pem, server.key, client.pem, client.key
        serverBase = EventBase.builder().threadName("tls-peer").daemon(true).build().start();
    }

    @AfterEach
    void tearDown() {
        serverBase.close();
    }

    private String[] clientOf(TlsTestServer server, String... more) {
        List<String> p = new ArrayList<>(List.of(
                "bufferevent.clients.backend.host=" + TestPki.HOST,
                "bufferevent.clients.backend.port=" + server.port(),
                "bufferevent.clients.backend.framing.type=line",
                "bufferevent.clients.backend.reconnect.initial-backoff=50ms",
                "bufferevent.clients.backend.reconnect.max-backoff=200ms"));
        p.addAll(List.of(more));
        return p.toArray(new String[0]);
    }

    @Test
    void aClientConfiguredOnlyByPropertiesWithAPemBundleReachesATlsEchoServer() throws Exception {
        try (TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext(), false, true, b -> { })) {
            runner.withPropertyValues("spring.ssl.bundle.pem.backend.truststore.certificate=file:" + pem.resolve("ca.pem"))
                    .withPropertyValues(clientOf(server, "bufferevent.clients.backend.ssl.bundle=backend")).run(context -> {
                        assertThat(context).hasNotFailed();
                        BufferEventClients clients = context.getBean(BufferEventClients.class);
                        ConnectionSettings settings = clients.settings("backend").connection;
                        assertThat(settings.sslEnabled).as("a bundle turns TLS on").isTrue();
                        assertThat(settings.sslVerifyHostname).isTrue();
                        assertThat(settings.sslHandshakeTimeout).isEqualTo(Duration.ofSeconds(10));
                        BufferEventClient client = clients.get("backend");
                        assertThat(client.awaitConnected(WAIT)).isTrue();
                        assertThat(client.exchange("over tls").get(20, TimeUnit.SECONDS)).isEqualTo("over tls");
                        BufferEventClient.ConnectionInfo info = client.connections().get(0);
                        assertThat(info.tls()).isNotNull();
                        assertThat(info.tls().protocol()).startsWith("TLSv1.");
                        assertThat(client.bufferEvent().sslEngine().getSSLParameters().getEndpointIdentificationAlgorithm())
                                .isEqualTo("HTTPS");
                    });
        }
    }

    @Test
    void theBundlesKeyStoreGivesMutualTlsAndItsProtocolsApply() throws Exception {
        try (TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext(), true, true, b -> { })) {
            runner.withPropertyValues(
                    "spring.ssl.bundle.pem.mtls.truststore.certificate=file:" + pem.resolve("ca.pem"),
                    "spring.ssl.bundle.pem.mtls.keystore.certificate=file:" + pem.resolve("client.pem"),
                    "spring.ssl.bundle.pem.mtls.keystore.private-key=file:" + pem.resolve("client.key"),
                    "spring.ssl.bundle.pem.mtls.options.enabled-protocols=TLSv1.2")
                    .withPropertyValues(clientOf(server, "bufferevent.clients.backend.ssl.bundle=mtls")).run(context -> {
                        assertThat(context).hasNotFailed();
                        BufferEventClient client = context.getBean(BufferEventClients.class).get("backend");
                        assertThat(client.awaitConnected(WAIT)).isTrue();
                        assertThat(client.exchange("mutual").get(20, TimeUnit.SECONDS)).isEqualTo("mutual");
                        assertThat(client.connections().get(0).tls().protocol()).isEqualTo("TLSv1.2");
                        assertThat(server.accepted.get(0).sslEngine().getSession().getPeerPrincipal().getName())
                                .isEqualTo("CN=bufferevent test client");
                    });
        }
    }

    @Test
    void aServerDemandingACertificateRefusesAClientWhoseBundleHasNone() throws Exception {
        try (TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext(), true, false, b -> { })) { // records, no echo
            runner.withPropertyValues("spring.ssl.bundle.pem.trust.truststore.certificate=file:" + pem.resolve("ca.pem"))
                    .withPropertyValues(clientOf(server, "bufferevent.clients.backend.ssl.bundle=trust")).run(context -> {
                        BufferEventClient client = context.getBean(BufferEventClients.class).get("backend");
                        // TLS 1.3: the client finishes its side of the handshake before the server checks
                        // for a certificate, so a connection may count as up for a moment; then the
                        // server's alert ends it, every time.
                        await().atMost(WAIT).until(() -> String.valueOf(client.lastError()).contains("certificate"));
                        assertThat(server.recorders).allSatisfy(r -> assertThat(r.text()).as("no data reached the server").isEmpty());
                        assertThat(server.accepted).allSatisfy(b -> assertThat(b.isConnected()).isFalse());
                    });
        }
    }

    /**
     * Rotation: the bundle's trust file is rewritten while the client runs. The live connection
     * keeps its session; the next connection uses the new material (here, first a CA that does not
     * sign the server's certificate, so it fails, then the right one again, so it connects).
     */
    @Test
    void aReloadedBundleReachesTheNextConnectionWhileLiveOnesKeepTheirs() throws Exception {
        Path trust = Files.createDirectory(pem.resolve("trust")).resolve("ca.pem");
        Path otherCa = pem.resolve("other-ca.pem");
        Files.writeString(otherCa, pki.otherCaPem());
        Files.copy(pem.resolve("ca.pem"), trust);
        try (TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext(), false, true, b -> { })) {
            runner.withPropertyValues(
                    "spring.ssl.bundle.pem.rotating.truststore.certificate=file:" + trust,
                    "spring.ssl.bundle.pem.rotating.reload-on-update=true",
                    "spring.ssl.bundle.watch.file.quiet-period=100ms")
                    .withPropertyValues(clientOf(server, "bufferevent.clients.backend.ssl.bundle=rotating")).run(context -> {
                        assertThat(context).hasNotFailed();
                        AtomicInteger updates = new AtomicInteger();
                        context.getBean(SslBundles.class).addBundleUpdateHandler("rotating", b -> updates.incrementAndGet());
                        BufferEventClient client = context.getBean(BufferEventClients.class).get("backend");
                        assertThat(client.awaitConnected(WAIT)).isTrue();
                        assertThat(client.exchange("before").get(20, TimeUnit.SECONDS)).isEqualTo("before");

                        replace(otherCa, trust);
                        await().atMost(WAIT).until(() -> updates.get() >= 1);
                        assertThat(client.exchange("live keeps its session").get(20, TimeUnit.SECONDS))
                                .isEqualTo("live keeps its session");

                        server.accepted.get(0).free(); // the server drops it: the reconnect must use the new trust
                        await().atMost(WAIT).until(() -> client.lastError() instanceof SSLHandshakeException
                                || client.lastError() != null && client.lastError().getCause() instanceof SSLHandshakeException
                                || String.valueOf(client.lastError()).contains("SSLHandshakeException"));
                        assertThat(client.isConnected()).isFalse();

                        replace(pem.resolve("ca.pem"), trust);
                        await().atMost(WAIT).until(() -> updates.get() >= 2 && client.isConnected());
                        assertThat(client.exchange("after").get(20, TimeUnit.SECONDS)).isEqualTo("after");
                    });
        }
    }

    private static void replace(Path source, Path target) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void sslEnabledWithoutABundleUsesTheJdksDefaultTrust() throws Exception {
        try (TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext(), false, true, b -> { })) {
            runner.withPropertyValues(clientOf(server, "bufferevent.clients.backend.ssl.enabled=true")).run(context -> {
                assertThat(context).hasNotFailed();
                BufferEventClient client = context.getBean(BufferEventClients.class).get("backend");
                // The test CA is not among the JDK's trusted CAs: the handshake fails on trust.
                await().atMost(WAIT).until(() -> String.valueOf(client.lastError()).contains("PKIX"));
                assertThat(client.isConnected()).isFalse();
            });
        }
    }

    @Test
    void theDefaultsApplyToEveryClientAndAClientMayTurnTlsOff() {
        runner.withPropertyValues(
                "spring.ssl.bundle.pem.shared.truststore.certificate=file:" + pem.resolve("ca.pem"),
                "bufferevent.defaults.ssl.bundle=shared",
                "bufferevent.defaults.ssl.handshake-timeout=3s",
                "bufferevent.defaults.ssl.verify-hostname=false",
                "bufferevent.clients.a.host=localhost", "bufferevent.clients.a.port=1", "bufferevent.clients.a.connect-on-startup=false",
                "bufferevent.clients.a.ssl.server-name=backend.internal",
                "bufferevent.clients.b.host=localhost", "bufferevent.clients.b.port=2", "bufferevent.clients.b.connect-on-startup=false",
                "bufferevent.clients.b.ssl.enabled=false").run(context -> {
                    assertThat(context).hasNotFailed();
                    BufferEventClients clients = context.getBean(BufferEventClients.class);
                    ConnectionSettings a = clients.settings("a").connection;
                    assertThat(a.sslEnabled).isTrue();
                    assertThat(a.sslBundle).isEqualTo("shared");
                    assertThat(a.sslServerName).isEqualTo("backend.internal");
                    assertThat(a.sslVerifyHostname).isFalse();
                    assertThat(a.sslHandshakeTimeout).isEqualTo(Duration.ofSeconds(3));
                    assertThat(clients.settings("b").connection.sslEnabled).isFalse();
                    assertThat(context.getBean(io.github.bufferevent.BufferEventFactory.class).sslVerifyHostname()).isFalse();
                    assertThat(context.getBean(io.github.bufferevent.BufferEventFactory.class).sslHandshakeTimeout())
                            .isEqualTo(Duration.ofSeconds(3));
                });
    }

    @Test
    void anUnknownBundleStopsStartupNamingThePropertyAndTheBundlesThatExist() {
        runner.withPropertyValues(
                "spring.ssl.bundle.pem.real.truststore.certificate=file:" + pem.resolve("ca.pem"),
                "bufferevent.clients.a.host=localhost", "bufferevent.clients.a.port=1",
                "bufferevent.clients.a.ssl.bundle=typo").run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
                    assertThat(analysis.getDescription()).contains("'bufferevent.clients.a.ssl.bundle'").contains("typo");
                    assertThat(analysis.getAction()).contains("[real]");
                });
    }

    /** A bundle option this JDK cannot use stops startup, instead of failing every connect attempt afterwards. */
    @Test
    void bundleOptionsTheEngineRejectsStopStartupNamingTheBundleProperty() {
        runner.withPropertyValues("spring.ssl.bundle.pem.b.truststore.certificate=file:" + pem.resolve("ca.pem"),
                "spring.ssl.bundle.pem.b.options.enabled-protocols=TLSv1.9",
                "bufferevent.clients.a.host=localhost", "bufferevent.clients.a.port=1",
                "bufferevent.clients.a.ssl.bundle=b").run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
                    assertThat(analysis.getDescription()).contains("'bufferevent.clients.a.ssl.bundle'");
                    assertThat(analysis.getAction()).contains("TLSv1.9");
                });
    }

    @Test
    void badTlsValuesStopStartupNamingTheProperty() {
        String[][] cases = {
            {"bufferevent.clients.a.ssl.handshake-timeout=-1s", "bufferevent.clients.a.ssl.handshake-timeout"},
            {"bufferevent.clients.a.ssl.bundle= ", "bufferevent.clients.a.ssl.bundle"},
            {"bufferevent.clients.a.ssl.server-name= ", "bufferevent.clients.a.ssl.server-name"},
            {"bufferevent.defaults.ssl.handshake-timeout=-5s", "bufferevent.defaults.ssl.handshake-timeout"},
        };
        for (String[] c : cases) {
            runner.withPropertyValues("bufferevent.clients.a.host=localhost", "bufferevent.clients.a.port=1",
                    "bufferevent.clients.a.connect-on-startup=false", c[0]).run(context -> {
                        assertThat(context).as(c[0]).hasFailed();
                        FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
                        assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
                        assertThat(analysis.getDescription()).contains("'" + c[1] + "'");
                    });
        }
    }
}
