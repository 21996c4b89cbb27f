package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.Framing;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client layer over TLS: every connection is the factory's secure-by-default {@code ssl} bufferevent. */
@Timeout(60)
class BufferEventClientSslTest {

    private final TestPki pki = TestPki.get();

    @Test
    void exchangesGoThroughTlsWithTheServerNameVerified() throws Exception {
        java.util.List<String> handshakes = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (EventBase base = EventBase.builder().threadName("tls-client").daemon(true).build().start();
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE)
                    .instrumentation(new Instrumentation() {
                        @Override
                        public void handshakeFinished(BufferEvent bev, HandshakeOutcome outcome, Throwable cause, long nanos) {
                            handshakes.add(outcome.name());
                        }
                    }).build();
            try (BufferEventClient client = BufferEventClient.builder(base, "tls")
                    .factory(factory)
                    .address(TestPki.HOST, server.port())
                    .ssl(pki.clientContext(), null)
                    .framing(Framing.line(EolStyle.LF, 1024))
                    .build()) {
                client.connect();
                assertThat(client.awaitConnected(Duration.ofSeconds(20))).isTrue();
                assertThat(client.exchange("over tls").get(20, TimeUnit.SECONDS)).isEqualTo("over tls");
                assertThat(client.exchange("and again").get(20, TimeUnit.SECONDS)).isEqualTo("and again");
                BufferEvent bev = client.bufferEvent();
                assertThat(bev.sslEngine()).as("a TLS bufferevent").isNotNull();
                assertThat(bev.sslEngine().getSession().getProtocol()).startsWith("TLSv1.");
                assertThat(bev.sslEngine().getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
                assertThat(handshakes).as("the factory's instrumentation hears of the client's handshakes").containsExactly("SUCCESS");
            }
        }
    }

    @Test
    void aServerNameTheCertificateDoesNotNameNeverConnects() throws Exception {
        try (EventBase base = EventBase.builder().threadName("tls-client").daemon(true).build().start();
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            try (BufferEventClient client = BufferEventClient.builder(base, "tls")
                    .address(TestPki.HOST, server.port())
                    .ssl(pki.clientContext(), "other.example")
                    .framing(Framing.line(EolStyle.LF, 1024))
                    .build()) {
                client.connect();
                assertThat(client.awaitConnected(Duration.ofSeconds(2))).as("the handshake must fail").isFalse();
                assertThat(client.isConnected()).isFalse();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> client.lastError() != null);
                assertThat(client.lastError()).hasStackTraceContaining("other.example");
            }
        }
    }

    /**
     * A supplied context is asked for again by every new connection (how a rotated certificate
     * reaches new connections), and the engine configurer runs on each engine before its
     * handshake: here it pins TLS 1.2, which the session and the connection snapshot then show.
     */
    @Test
    void aSuppliedContextIsAskedPerConnectionAndTheConfigurerShapesEachEngine() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger configured = new java.util.concurrent.atomic.AtomicInteger();
        try (EventBase base = EventBase.builder().threadName("tls-client").daemon(true).build().start();
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            try (BufferEventClient client = BufferEventClient.builder(base, "tls")
                    .address(TestPki.HOST, server.port())
                    .ssl(() -> {
                        asked.incrementAndGet();
                        return pki.clientContext();
                    }, null)
                    .sslEngineConfigurer(engine -> {
                        configured.incrementAndGet();
                        engine.setEnabledProtocols(new String[] {"TLSv1.2"});
                    })
                    .reconnect(true, Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0)
                    .framing(Framing.line(EolStyle.LF, 1024))
                    .build()) {
                assertThat(asked.get()).as("asked once at build, to load the JDK's TLS classes off the loop").isEqualTo(1);
                assertThat(configured.get()).isZero();
                client.connect();
                assertThat(client.awaitConnected(Duration.ofSeconds(20))).isTrue();
                assertThat(client.exchange("first").get(20, TimeUnit.SECONDS)).isEqualTo("first");
                BufferEventClient.ConnectionInfo info = client.connections().get(0);
                assertThat(info.tls()).isNotNull();
                assertThat(info.tls().protocol()).isEqualTo("TLSv1.2");
                assertThat(asked.get()).isEqualTo(2);
                assertThat(configured.get()).isEqualTo(1);

                server.accepted.get(0).free(); // the server drops the connection: the client reconnects with a new engine
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> asked.get() >= 3 && client.isConnected());
                assertThat(client.exchange("second").get(20, TimeUnit.SECONDS)).isEqualTo("second");
                assertThat(configured.get()).isEqualTo(asked.get() - 1);
                assertThat(client.connections().get(0).tls().protocol()).isEqualTo("TLSv1.2");
            }
        }
    }

    @Test
    void aSupplierThatFailsFailsTheAttemptAndTheClientKeepsTrying() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean failNext = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (EventBase base = EventBase.builder().threadName("tls-client").daemon(true).build().start();
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            try (BufferEventClient client = BufferEventClient.builder(base, "tls")
                    .address(TestPki.HOST, server.port())
                    .ssl(() -> {
                        asked.incrementAndGet();
                        if (failNext.getAndSet(false)) {
                            throw new IllegalStateException("bundle not readable yet");
                        }
                        return pki.clientContext();
                    }, null)
                    .reconnect(true, Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0)
                    .framing(Framing.line(EolStyle.LF, 1024))
                    .build()) {
                failNext.set(true); // the build's warm-up asked (and was refused, harmlessly): the first attempt fails
                int atBuild = asked.get();
                client.connect();
                assertThat(client.awaitConnected(Duration.ofSeconds(20))).isTrue();
                assertThat(asked.get() - atBuild).as("a failed attempt, then one that connected").isGreaterThanOrEqualTo(2);
                assertThat(client.exchange("after a failed attempt").get(20, TimeUnit.SECONDS)).isEqualTo("after a failed attempt");
            }
        }
    }
}
