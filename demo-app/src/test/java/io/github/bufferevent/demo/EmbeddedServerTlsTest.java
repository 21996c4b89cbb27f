package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The line server's TLS listener over real TLS connections, with a blocking JDK {@link SSLSocket}
 * client that checks the certificate and the name {@code localhost} (so the test shares no TLS
 * code with what it tests): it echoes lines exactly as the plain port does; it accepts only once
 * it has its engines, serving a connection made before; a client that does not trust the
 * certificate is refused without hurting the next.
 */
@Timeout(60)
class EmbeddedServerTlsTest {

    private static DemoCertificate certificate;
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    private EmbeddedServer server;

    @BeforeAll
    static void certificate() throws Exception {
        certificate = DemoCertificate.get();
        serverContext = TlsContexts.server(certificate);
        clientContext = TlsContexts.client(certificate);
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theTlsPortEchoesLinesAsThePlainOneAndServesAConnectionMadeBeforeItsEnginesCame() throws Exception {
        server = new EmbeddedServer("test-line-tls-server", 0, new LineEchoProtocol());
        int tlsPort = server.listenTls(0);
        assertThat(tlsPort).isPositive().isNotEqualTo(server.port());
        assertThat(server.awaitsTls()).isTrue();

        try (SSLSocket early = TlsContexts.connect(clientContext, tlsPort)) { // TCP done: waits in the accept queue
            server.acceptTls(new ServerEnginesForTest(serverContext));
            assertThat(server.awaitsTls()).isFalse();
            early.startHandshake(); // the certificate and the name localhost check out
            assertThat(early.getSession().getPeerPrincipal().getName()).isEqualTo("CN=localhost");

            OutputStream out = early.getOutputStream();
            out.write(ascii("one\r\ntwo\r\nthr"));
            out.flush();
            out.write(ascii("ee\r\n"));
            out.flush();
            byte[] expected = ascii("one\r\ntwo\r\nthree\r\n");
            assertThat(early.getInputStream().readNBytes(expected.length)).isEqualTo(expected);
        }

        // The plain port answers the same, beside it.
        try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write(ascii("plain\r\n"));
            assertThat(plain.getInputStream().readNBytes(7)).isEqualTo(ascii("plain\r\n"));
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefusedAndTheNextIsServed() throws Exception {
        server = new EmbeddedServer("test-line-tls-server", 0, new LineEchoProtocol());
        int tlsPort = server.listenTls(0);
        server.acceptTls(new ServerEnginesForTest(serverContext));

        SSLContext trustsNothingOfOurs = SSLContext.getInstance("TLS");
        trustsNothingOfOurs.init(null, null, null); // the JDK's default CAs: not our self-signed certificate
        try (SSLSocket stranger = TlsContexts.connect(trustsNothingOfOurs, tlsPort)) {
            assertThatThrownBy(stranger::startHandshake).isInstanceOf(SSLHandshakeException.class);
        }

        try (SSLSocket trusting = TlsContexts.connect(clientContext, tlsPort)) {
            trusting.getOutputStream().write(ascii("after a refused one\r\n"));
            InputStream in = trusting.getInputStream();
            assertThat(in.readNBytes(21)).isEqualTo(ascii("after a refused one\r\n"));
        }
    }

    /** Server engines from a plain context, as {@link ServerEngines} makes them from a bundle. */
    private record ServerEnginesForTest(SSLContext context) implements Supplier<SSLEngine> {
        @Override
        public SSLEngine get() {
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(false);
            return engine;
        }
    }
}
