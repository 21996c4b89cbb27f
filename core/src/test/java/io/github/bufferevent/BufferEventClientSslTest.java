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
        try (EventBase base = EventBase.builder().threadName("tls-client").daemon(true).build().start();
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            try (BufferEventClient client = BufferEventClient.builder(base, "tls")
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
}
