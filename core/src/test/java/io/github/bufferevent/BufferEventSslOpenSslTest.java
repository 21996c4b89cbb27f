package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS bufferevents against a real {@code openssl s_server} (the OS's openssl command, which must
 * be installed: without it these tests fail and say so). The server prints what it receives,
 * {@code DONE} after a clean close_notify and {@code ERROR} after a close without one, and sends
 * what the test writes to it; {@code K} makes it send a TLS 1.3 key update that asks for ours,
 * {@code R} a TLS 1.2 renegotiation.
 */
@Timeout(60)
class BufferEventSslOpenSslTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static EventBase base;
    @TempDir
    static Path pemDir;
    private final TestPki pki = TestPki.get();

    @BeforeAll
    static void setUp() throws Exception {
        TestPki.get().writePem(pemDir);
        base = EventBase.builder().threadName("tls-openssl").daemon(true).build().start();
    }

    @AfterAll
    static void tearDown() {
        base.close();
    }

    private BufferEvent connect(OpenSslServer server, SSLContext ctx, String host) throws Exception {
        BufferEvent bev = BufferEvent.sslSocket(base, null, TestPki.clientEngine(ctx, host, server.port()), BevSslState.CONNECTING,
                BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
        return bev;
    }

    private static void write(BufferEvent bev, String text) {
        bev.write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Handshake, data both ways, a key update the server asks us to answer, then FINISHED: openssl sees close_notify. */
    @Test
    void echoKeyUpdateAndCleanClose() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pemDir)) {
            BufferEvent bev = connect(server, pki.clientContext(), TestPki.HOST);
            TlsRecorder rec = TlsRecorder.on(bev);
            write(bev, "hello from bufferevent\n");
            bev.connect(server.address());
            await().atMost(WAIT).until(() -> server.printed("hello from bufferevent"));
            assertThat(rec.events).containsExactly("CONNECTED");
            assertThat(bev.sslEngine().getSession().getProtocol()).isEqualTo("TLSv1.3");
            server.send("hello from openssl\n");
            await().atMost(WAIT).until(() -> rec.text().equals("hello from openssl\n"));

            server.send("K\n"); // KeyUpdate(update_requested): the engine must send its own
            await().atMost(WAIT).until(() -> server.printed("SSL_do_handshake -> 1")); // (needs stdbuf to show)
            server.send("after the key update\n");
            write(bev, "ours after the key update\n");
            await().atMost(WAIT).until(() -> rec.text().endsWith("after the key update\n") && server.printed("ours after the key update"));

            bev.flush(Ev.WRITE, BevFlush.FINISHED);
            await().atMost(WAIT).until(() -> server.printed("DONE") || server.printed("ERROR"));
            assertThat(server.text()).contains("DONE").doesNotContain("ERROR");
            assertThat(rec.events).doesNotContain("READING|ERROR");
            bev.free();
        }
    }

    /** TLS 1.2 with a renegotiation the server starts mid-stream: the engine's NEED_WRAP/NEED_UNWRAP loop goes on under the data. */
    @Test
    void tls12WithRenegotiation() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pemDir, "-tls1_2")) {
            BufferEvent bev = connect(server, pki.clientContext(), TestPki.HOST);
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.connect(server.address());
            write(bev, "one\n");
            await().atMost(WAIT).until(() -> server.printed("one"));
            assertThat(bev.sslEngine().getSession().getProtocol()).isEqualTo("TLSv1.2");
            server.send("R\n");
            await().atMost(WAIT).until(() -> server.printed("SSL_do_handshake -> 1")); // (needs stdbuf to show)
            server.send("two\n");
            write(bev, "three\n");
            await().atMost(WAIT).until(() -> rec.text().equals("two\n") && server.printed("three"));
            assertThat(rec.events).containsExactly("CONNECTED");
            bev.flush(Ev.WRITE, BevFlush.FINISHED);
            await().atMost(WAIT).until(() -> server.printed("DONE") || server.printed("ERROR"));
            assertThat(server.text()).contains("DONE");
            bev.free();
        }
    }

    @Test
    void untrustedCertificateAndHostNameMismatchAreErrors() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pemDir)) {
            BufferEvent untrusted = connect(server, pki.clientContextTrustingOtherCa(), TestPki.HOST);
            TlsRecorder rec1 = TlsRecorder.on(untrusted);
            untrusted.connect(server.address());
            await().atMost(WAIT).until(rec1::ended);
            assertThat(rec1.events).containsExactly("READING|ERROR");
            assertThat(untrusted.sslError()).isInstanceOf(SSLHandshakeException.class);
            untrusted.free();

            BufferEvent mismatch = connect(server, pki.clientContext(), "wrong-name.example");
            TlsRecorder rec2 = TlsRecorder.on(mismatch);
            mismatch.connect(server.address());
            await().atMost(WAIT).until(rec2::ended);
            assertThat(rec2.events).containsExactly("READING|ERROR");
            assertThat(mismatch.sslError()).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("wrong-name.example");
            mismatch.free();
        }
    }

    /** The server demands a client certificate (-Verify): without one the session fails, with one it works. */
    @Test
    void mutualTls() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pemDir, "-Verify", "1")) {
            BufferEvent without = connect(server, pki.clientContext(), TestPki.HOST);
            TlsRecorder rec1 = TlsRecorder.on(without);
            without.connect(server.address());
            await().atMost(WAIT).until(rec1::ended);
            assertThat(rec1.events).last().isEqualTo("READING|ERROR");
            assertThat(without.sslError()).isNotNull();
            without.free();

            BufferEvent with = connect(server, pki.clientContextWithCertificate(), TestPki.HOST);
            TlsRecorder rec2 = TlsRecorder.on(with);
            with.connect(server.address());
            write(with, "with a certificate\n");
            await().atMost(WAIT).until(() -> server.printed("with a certificate"));
            assertThat(rec2.events).containsExactly("CONNECTED");
            with.free();
        }
    }

    /** Freed without FINISHED: openssl sees the TCP close without close_notify. */
    @Test
    void freeWithoutFinishedIsADirtyCloseForOpenssl() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pemDir)) {
            BufferEvent bev = connect(server, pki.clientContext(), TestPki.HOST);
            TlsRecorder.on(bev);
            bev.connect(server.address());
            write(bev, "then gone\n");
            await().atMost(WAIT).until(() -> server.printed("then gone"));
            bev.free();
            await().atMost(WAIT).until(() -> server.printed("DONE") || server.printed("ERROR"));
            assertThat(server.text()).contains("ERROR").doesNotContain("DONE");
        }
    }

    /** A second connection from the same context resumes the session (a TLS 1.3 ticket): no certificate check the second time. */
    @Test
    void sessionResumption() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        SSLContext ctx = pki.clientContextCountingServerChecks(checks);
        try (OpenSslServer server = OpenSslServer.start(pemDir)) {
            for (int round = 1; round <= 2; round++) {
                BufferEvent bev = connect(server, ctx, TestPki.HOST);
                TlsRecorder rec = TlsRecorder.on(bev);
                bev.connect(server.address());
                await().atMost(WAIT).until(() -> rec.has("CONNECTED"));
                server.send("ticket " + round + "\n"); // read after the tickets: they arrived before
                String expected = "ticket " + round + "\n";
                await().atMost(WAIT).until(() -> rec.text().equals(expected));
                bev.flush(Ev.WRITE, BevFlush.FINISHED);
                int done = round;
                await().atMost(WAIT).until(() -> server.text().split("DONE", -1).length - 1 == done);
                bev.free();
            }
            assertThat(checks.get()).isEqualTo(1);
            assertThat(server.text()).contains("Reused session-id").doesNotContain("ERROR");
        }
    }
}
