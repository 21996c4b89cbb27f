package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link BufferEventFactory#ssl}: what the library builds itself is secure by default (SNI, the
 * server name verified against the certificate); turning verification off is explicit.
 */
@Timeout(60)
class BufferEventFactorySslTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final TestPki pki = TestPki.get();

    private static EventBase startBase() {
        return EventBase.builder().threadName("tls-factory").daemon(true).build().start();
    }

    @Test
    void sendsSniAndVerifiesTheServerNameByDefault() throws Exception {
        try (EventBase base = startBase(); TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE).build();
            assertThat(factory.sslVerifyHostname()).isTrue();
            BufferEvent bev = factory.ssl(pki.clientContext(), TestPki.HOST, server.port());
            assertThat(bev.sslEngine().getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.connect(server.address());
            bev.write("via the factory\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> rec.text().equals("via the factory\n"));
            ExtendedSSLSession session = (ExtendedSSLSession) server.accepted.get(0).sslEngine().getSession();
            assertThat(session.getRequestedServerNames()).containsExactly(new SNIHostName(TestPki.HOST));
            bev.free();
        }
    }

    @Test
    void aWrongServerNameFailsUnlessVerificationIsTurnedOff() throws Exception {
        try (EventBase base = startBase(); TlsTestServer server = new TlsTestServer(base, pki.serverContext())) {
            BufferEvent strict = BufferEventFactory.builder(base).options(BevOption.THREADSAFE).build()
                    .ssl(pki.clientContext(), "other.example", server.port());
            TlsRecorder rec1 = TlsRecorder.on(strict);
            strict.connect(server.address());
            await().atMost(WAIT).until(rec1::ended);
            assertThat(rec1.events).containsExactly("READING|ERROR");
            assertThat(strict.sslError()).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("other.example");

            BufferEventFactory lax = BufferEventFactory.builder(base).options(BevOption.THREADSAFE).sslVerifyHostname(false).build();
            assertThat(lax.sslVerifyHostname()).isFalse();
            assertThat(lax.toBuilder().build().sslVerifyHostname()).isFalse();
            BufferEvent trusting = lax.ssl(pki.clientContext(), "other.example", server.port());
            TlsRecorder rec2 = TlsRecorder.on(trusting);
            trusting.connect(server.address());
            await().atMost(WAIT).until(() -> rec2.has("CONNECTED"));
            strict.free();
            trusting.free();
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (EventBase base = EventBase.create()) {
            BufferEventFactory factory = BufferEventFactory.builder(base).build();
            assertThatThrownBy(() -> factory.ssl(pki.clientContext(), " ", 443)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serverName");
            assertThatThrownBy(() -> factory.ssl(pki.clientContext(), "example.org", 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("port must be in 1..65535");
            assertThatThrownBy(() -> factory.ssl(null, "example.org", 443)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("context");
        }
    }

    /**
     * The factory's handshake timeout bounds the handshake on its own: a peer that accepts TCP
     * but never answers the hello ends the attempt as TIMEOUT|WRITING long before the 30 s
     * connect and write timeouts would, and instrumentation sees a TIMEOUT outcome.
     */
    @Test
    void theHandshakeTimeoutBoundsTheHandshakeApartFromConnectAndWriteTimeouts() throws Exception {
        java.util.List<String> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
        Instrumentation seen = new Instrumentation() {
            @Override
            public void handshakeFinished(BufferEvent bev, HandshakeOutcome outcome, Throwable cause, long nanos) {
                outcomes.add(outcome.name());
            }
        };
        try (LoopbackPeer silent = LoopbackPeer.start(PeerBehavior.silent()); EventBase base = startBase()) {
            BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE)
                    .timeouts(null, Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30))
                    .sslHandshakeTimeout(Duration.ofMillis(300)).instrumentation(seen).build();
            assertThat(factory.sslHandshakeTimeout()).isEqualTo(Duration.ofMillis(300));
            assertThat(factory.toBuilder().build().sslHandshakeTimeout()).isEqualTo(Duration.ofMillis(300));
            BufferEvent bev = factory.ssl(pki.clientContext(), TestPki.HOST, silent.port());
            TlsRecorder rec = TlsRecorder.on(bev);
            long start = System.nanoTime();
            bev.connect(silent.address());
            await().atMost(WAIT).until(rec::ended);
            assertThat(rec.events).containsExactly("WRITING|TIMEOUT");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250))
                    .isLessThan(Duration.ofSeconds(25));
            await().atMost(WAIT).until(() -> !outcomes.isEmpty());
            assertThat(outcomes).containsExactly("TIMEOUT");
            bev.free();
        }
    }

    @Test
    void aNegativeHandshakeTimeoutIsRefusedAndZeroMeansNone() throws Exception {
        try (EventBase base = startBase()) {
            assertThatThrownBy(() -> BufferEventFactory.builder(base).sslHandshakeTimeout(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sslHandshakeTimeout");
            assertThat(BufferEventFactory.builder(base).sslHandshakeTimeout(Duration.ZERO).build().sslHandshakeTimeout()).isNull();
        }
    }
}
