package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS bufferevents ({@code bufferevent_openssl}) against a JDK {@link javax.net.ssl.SSLServerSocket}
 * peer on 127.0.0.1: handshake and echo, certificate and host name failures, mutual TLS, 100 MB
 * with a SHA-256 match, FINISHED and dirty closes, sslFilter over a connected socket, the
 * handshake timeout. Certificates come from {@link TestPki} (the JDK alone).
 */
@Timeout(60)
class BufferEventSslTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final TestPki pki = TestPki.get();

    private static EventBase startBase() {
        return EventBase.builder().threadName("tls-test-loop").daemon(true).build().start();
    }

    private BufferEvent client(EventBase base, SSLContext ctx, String host, int port) throws Exception {
        return BufferEvent.sslSocket(base, null, TestPki.clientEngine(ctx, host, port), BevSslState.CONNECTING,
                BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
    }

    @Test
    void handshakeThenEchoWithAJdkServer() throws Exception {
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), false); EventBase base = startBase()) {
            BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, peer.address().getPort());
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.write("written before the handshake\n".getBytes(StandardCharsets.UTF_8));
            bev.connect(peer.address());

            await().atMost(WAIT).until(() -> rec.has("CONNECTED"));
            assertThat(bev.isConnected()).isTrue();
            assertThat(bev.sslEngine().getSession().getProtocol()).startsWith("TLS");
            assertThat(bev.sslEngine().getSession().getPeerCertificates()[0]).isEqualTo(pki.server);
            bev.write("and after it\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> rec.text().equals("written before the handshake\nand after it\n"));
            assertThat(rec.events).containsExactly("CONNECTED");
            assertThat(bev.sslError()).isNull();
            assertThat(bev.channel()).isNotNull();
            assertThat(bev.underlying()).isNull();
            assertThat(bev.totalRead()).isEqualTo(rec.bytes().length);
            bev.free();
            assertThat(peer.failures()).isEmpty();
        }
    }

    @Test
    void untrustedCertificateIsAnErrorWithTheSslException() throws Exception {
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), false); EventBase base = startBase()) {
            BufferEvent bev = client(base, pki.clientContextTrustingOtherCa(), TestPki.HOST, peer.address().getPort());
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.connect(peer.address());

            await().atMost(WAIT).until(rec::ended);
            assertThat(rec.events).containsExactly("READING|ERROR");
            assertThat(rec.sslErrorAtEvent).isInstanceOf(SSLHandshakeException.class);
            assertThat(bev.sslError()).isSameAs(rec.sslErrorAtEvent);
            assertThat(bev.socketError()).isSameAs(bev.sslError());
            assertThat(bev.isConnected()).isFalse();
            bev.free();
        }
    }

    @Test
    void hostNameMismatchIsAnError() throws Exception {
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), false); EventBase base = startBase()) {
            // The certificate is for localhost; the engine expects another name.
            BufferEvent bev = client(base, pki.clientContext(), "not-the-server.example", peer.address().getPort());
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.connect(peer.address());

            await().atMost(WAIT).until(rec::ended);
            assertThat(rec.events).containsExactly("READING|ERROR");
            assertThat(bev.sslError()).isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("not-the-server.example");
        }
    }

    @Test
    void mutualTlsWithoutAClientCertificateFailsAndWithOneWorks() throws Exception {
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), true); EventBase base = startBase()) {
            BufferEvent without = client(base, pki.clientContext(), TestPki.HOST, peer.address().getPort());
            TlsRecorder rec1 = TlsRecorder.on(without);
            without.connect(peer.address());
            // TLS 1.3: the client may finish its side first; the server's alert then ends it.
            await().atMost(WAIT).until(rec1::ended);
            assertThat(rec1.events).last().isEqualTo("READING|ERROR");
            assertThat(without.sslError()).isNotNull();

            BufferEvent with = client(base, pki.clientContextWithCertificate(), TestPki.HOST, peer.address().getPort());
            TlsRecorder rec2 = TlsRecorder.on(with);
            with.connect(peer.address());
            await().atMost(WAIT).until(() -> rec2.has("CONNECTED"));
            with.write("mutual\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> rec2.text().equals("mutual\n"));
            assertThat(with.sslEngine().getSession().getLocalCertificates()[0]).isEqualTo(pki.client);
            with.free();
        }
    }

    /** 100 MB echoed through TLS both ways, checked with SHA-256 on each side. */
    @Test
    void hundredMegabytesKeepTheirSha256() throws Exception {
        long total = 100L * 1024 * 1024;
        CompletableFuture<byte[]> serverDigest = new CompletableFuture<>();
        TlsPeerServer.Handler echoAndHash = s -> {
            try (s) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                serverDigest.complete(md.digest());
            }
        };
        try (LoopbackPeer peer = TlsPeerServer.start(pki.serverContext(), false, echoAndHash); EventBase base = startBase()) {
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            MessageDigest echoed = MessageDigest.getInstance("SHA-256");
            AtomicLong written = new AtomicLong();
            AtomicLong read = new AtomicLong();
            AtomicReference<String> end = new AtomicReference<>();
            byte[] block = new byte[64 * 1024];
            Random random = new Random(42);
            BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, peer.address().getPort());
            bev.setWatermark(Ev.WRITE, 256 * 1024, 0);
            BufferEvent.WriteCallback refill = b -> {
                while (b.output().length() < 1024 * 1024 && written.get() < total) {
                    random.nextBytes(block);
                    int n = (int) Math.min(block.length, total - written.get());
                    sent.update(block, 0, n);
                    b.write(block, 0, n);
                    written.addAndGet(n);
                }
            };
            byte[] chunk = new byte[64 * 1024];
            bev.setCallbacks(b -> {
                EvBuffer in = b.input();
                while (in.length() > 0) {
                    int n = in.remove(chunk);
                    echoed.update(chunk, 0, n);
                    read.addAndGet(n);
                }
                if (read.get() == total) {
                    b.flush(Ev.WRITE, BevFlush.FINISHED); // the peer then sees the end and finishes its digest
                }
            }, refill, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    refill.onWrite(b);
                } else if (read.get() < total || what != (BevEvent.EOF | BevEvent.READING)) {
                    end.set(BevEvent.toString(what) + " " + b.socketError()); // only the clean end after FINISHED is expected
                }
            });
            bev.enable(Ev.READ);
            long start = System.nanoTime();
            bev.connect(peer.address());

            await().atMost(Duration.ofSeconds(45)).until(() -> read.get() == total || end.get() != null);
            assertThat(end.get()).isNull();
            byte[] expected = sent.digest();
            assertThat(echoed.digest()).isEqualTo(expected);
            assertThat(serverDigest.get(20, TimeUnit.SECONDS)).isEqualTo(expected);
            System.out.printf("100 MB echoed through TLS in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertThat(bev.totalWritten()).isEqualTo(total);
            assertThat(bev.totalRead()).isEqualTo(total);
            bev.free();
        }
    }

    /** FINISHED: the peer reads every byte, then the end of the stream; the write side is shut after close_notify. */
    @Test
    void finishedDeliversEverythingThenCloses() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer peer = TlsPeerServer.start(pki.serverContext(), false, s -> {
            try (s) {
                received.complete(s.getInputStream().readAllBytes());
            }
        }); EventBase base = startBase()) {
            byte[] data = new byte[3 * 1024 * 1024 + 17];
            new Random(7).nextBytes(data);
            BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, peer.address().getPort());
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.write(data);
            bev.flush(Ev.WRITE, BevFlush.FINISHED);
            bev.connect(peer.address());
            BufferEventSslServerTest.assertSameBytes(received.get(20, TimeUnit.SECONDS), data);
            await().atMost(WAIT).until(() -> rec.has("READING|EOF") || rec.has("READING|ERROR"));
            // The JDK peer answers our close_notify with its own: a clean EOF here.
            assertThat(rec.events).containsExactly("CONNECTED", "READING|EOF");
            bev.free();
        }
    }

    /** The peer closes TCP without close_notify after sending data: the data, then ERROR|READING (or EOF with dirty shutdown allowed). */
    @Test
    void dirtyCloseByThePeerIsAnErrorUnlessAllowed() throws Exception {
        for (boolean allow : new boolean[] {false, true}) {
            try (LoopbackPeer peer = LoopbackPeer.start((plain, in, out) -> closeWithoutCloseNotify(plain, "last words\n"));
                    EventBase base = startBase()) {
                BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, peer.address().getPort());
                bev.setAllowDirtyShutdown(allow);
                TlsRecorder rec = TlsRecorder.on(bev);
                bev.connect(peer.address());
                await().atMost(WAIT).until(rec::ended);
                assertThat(rec.text()).isEqualTo("last words\n");
                assertThat(rec.inputLeftAtEvent).isFalse();
                if (allow) {
                    assertThat(rec.events).containsExactly("CONNECTED", "READING|EOF");
                    assertThat(bev.sslError()).isNull();
                } else {
                    assertThat(rec.events).containsExactly("CONNECTED", "READING|ERROR");
                    assertThat(bev.sslError()).isNotNull().hasMessageContaining("close_notify");
                }
                bev.free();
            }
        }
    }

    @Test
    void sslFilterOverAConnectedSocketBufferevent() throws Exception {
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), false); EventBase base = startBase()) {
            BufferEvent socket = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
            CompletableFuture<Void> connected = new CompletableFuture<>();
            socket.setCallbacks(null, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    connected.complete(null);
                }
            });
            socket.connect(peer.address());
            connected.get(20, TimeUnit.SECONDS);

            SSLEngine engine = TestPki.clientEngine(pki.clientContext(), TestPki.HOST, peer.address().getPort());
            BufferEvent tls = BufferEvent.sslFilter(socket, engine, BevSslState.CONNECTING, BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
            assertThat(tls.underlying()).isSameAs(socket);
            assertThat(tls.channel()).isSameAs(socket.channel());
            TlsRecorder rec = TlsRecorder.on(tls);
            tls.write("over a filter\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> rec.text().equals("over a filter\n"));
            assertThat(rec.events).containsExactly("CONNECTED");
            assertThat(tls.sslEngine()).isSameAs(engine);
            tls.free();
            await().atMost(WAIT).until(socket::isFreed); // CLOSE_ON_FREE frees the underlying
        }
    }

    /** The read high watermark holds the input near it (the socket is not read meanwhile); draining lets the rest come. */
    @Test
    void readHighWatermarkHoldsTheInput() throws Exception {
        byte[] data = new byte[1024 * 1024];
        new Random(11).nextBytes(data);
        try (LoopbackPeer peer = TlsPeerServer.start(pki.serverContext(), false, s -> {
            try (s) {
                s.getOutputStream().write(data);
                s.getInputStream().read(); // until the client closes
            }
        }); EventBase base = startBase()) {
            BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, peer.address().getPort());
            AtomicLong most = new AtomicLong();
            bev.setWatermark(Ev.READ, 0, 32 * 1024);
            bev.setCallbacks(b -> most.accumulateAndGet(b.input().length(), Math::max), null, null);
            bev.enable(Ev.READ);
            bev.connect(peer.address());
            await().atMost(WAIT).until(() -> bev.bufferedInput() >= 32 * 1024);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            await().atMost(WAIT).until(() -> {
                int n = bev.read(chunk); // from this thread: THREADSAFE takes the lock
                got.write(chunk, 0, n);
                return got.size() == data.length;
            });
            BufferEventSslServerTest.assertSameBytes(got.toByteArray(), data);
            assertThat(most.get()).as("most input held").isLessThan(32 * 1024 + 16 * 1024 + 1); // at most one record past the mark
            bev.free();
        }
    }

    /** Writes from several threads at once each arrive whole and in order per thread (the hand-off, through TLS). */
    @Test
    void writesFromOtherThreads() throws Exception {
        int threads = 4;
        int lines = 500;
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), false); EventBase base = startBase()) {
            BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, peer.address().getPort());
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.connect(peer.address());
            Thread[] writers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                writers[t] = new Thread(() -> {
                    for (int i = 0; i < lines; i++) {
                        bev.write(String.format("writer %d line %03d\n", id, i).getBytes(StandardCharsets.UTF_8));
                    }
                });
                writers[t].start();
            }
            for (Thread w : writers) {
                w.join();
            }
            int expected = threads * lines * "writer 0 line 000\n".length();
            await().atMost(WAIT).until(() -> rec.bytes().length >= expected);
            String[] got = rec.text().split("\n");
            assertThat(got).hasSize(threads * lines);
            int[] next = new int[threads];
            for (String line : got) {
                int id = line.charAt(7) - '0';
                assertThat(line).isEqualTo(String.format("writer %d line %03d", id, next[id]++));
            }
            bev.free();
        }
    }

    /** A peer that accepts TCP but never speaks TLS: the handshake times out as TIMEOUT|WRITING (the write timeout). */
    @Test
    void handshakeTimeoutIsTimeoutWriting() throws Exception {
        try (LoopbackPeer silent = LoopbackPeer.start(PeerBehavior.silent()); EventBase base = startBase()) {
            BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, silent.port());
            bev.setTimeouts(null, Duration.ofMillis(400));
            TlsRecorder rec = TlsRecorder.on(bev);
            long start = System.nanoTime();
            bev.connect(silent.address());
            await().atMost(WAIT).until(rec::ended);
            assertThat(rec.events).containsExactly("WRITING|TIMEOUT");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(350);
            assertThat(bev.isConnected()).isFalse();
            assertThat(bev.sslError()).isNull();
            bev.free();
        }
    }

    @Test
    void connectRefusedIsAnErrorWithTheSocketCause() throws Exception {
        try (EventBase base = startBase()) {
            int port = LoopbackPeer.closedPort();
            BufferEvent bev = client(base, pki.clientContext(), TestPki.HOST, port);
            TlsRecorder rec = TlsRecorder.on(bev);
            bev.connect(new InetSocketAddress("127.0.0.1", port));
            await().atMost(WAIT).until(rec::ended);
            assertThat(rec.events).containsExactly("ERROR");
            assertThat(bev.socketError()).isInstanceOf(java.net.ConnectException.class);
            assertThat(bev.sslError()).isNull();
        }
    }

    @Test
    void settingsThatApplyOnlyToTls() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent plain = BufferEvent.socket(base, null);
            assertThat(plain.sslEngine()).isNull();
            assertThat(plain.sslError()).isNull();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.setAllowDirtyShutdown(true))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("TLS");
            SSLEngine started = pki.clientContext().createSSLEngine();
            started.setUseClientMode(true);
            started.beginHandshake();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> BufferEvent.sslSocket(base, null, started, BevSslState.ACCEPTING))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("engine");
            plain.free();
        }
    }

    /** Server side of a JDK TLS session over {@code plain}: sends {@code words}, then a TCP FIN without close_notify. */
    private void closeWithoutCloseNotify(Socket plain, String words) throws IOException {
        SSLSocket s = (SSLSocket) pki.serverContext().getSocketFactory().createSocket(plain, null, plain.getPort(), false);
        s.setUseClientMode(false);
        s.startHandshake();
        s.getOutputStream().write(words.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        plain.shutdownOutput(); // FIN, no close_notify
        plain.getInputStream().readAllBytes();
        plain.close();
    }
}
