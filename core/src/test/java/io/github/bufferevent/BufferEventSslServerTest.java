package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.test.LoopbackPeer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS bufferevents on the server side ({@link BevSslState#ACCEPTING} on channels a
 * {@link ConnectionListener} accepts) and with our own bufferevents at both ends, where the
 * receiving side tells a clean close (close_notify: EOF) from a dirty one (ERROR): FINISHED,
 * free with FINISHED pending, free without it, graceful shutdown; 200 concurrent handshakes
 * while no loop turn may block; TLS over a pair; session resumption; OPEN engines.
 */
@Timeout(90)
class BufferEventSslServerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final TestPki pki = TestPki.get();

    private static EventBase startBase(String name) {
        return EventBase.builder().threadName(name).daemon(true).build().start();
    }

    /** Equal bytes, with a short message (length, first difference) instead of two arrays of megabytes. */
    static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("length").isEqualTo(expected.length);
        assertThat(java.util.Arrays.mismatch(actual, expected)).as("index of the first difference").isEqualTo(-1);
    }

    private BufferEvent client(EventBase base, SSLContext ctx, int port) throws IOException {
        return BufferEvent.sslSocket(base, null, TestPki.clientEngine(ctx, TestPki.HOST, port), BevSslState.CONNECTING,
                BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
    }

    @Test
    void acceptingSideServesAJdkClient() throws Exception {
        try (EventBase base = startBase("tls-server");
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            try (SSLSocket s = (SSLSocket) pki.clientContext().getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.port())) {
                s.startHandshake();
                s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
                byte[] reply = new byte[5];
                new java.io.DataInputStream(s.getInputStream()).readFully(reply);
                assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("ping\n");
            } // close() sends close_notify
            await().atMost(WAIT).until(server::firstEnded);
            assertThat(server.first().events).containsExactly("CONNECTED", "READING|EOF");
            assertThat(server.accepted.get(0).sslEngine().getUseClientMode()).isFalse();
        }
    }

    /** An ACCEPTING side whose client has no certificate (server demands one) reports ERROR with sslError, never CONNECTED. */
    @Test
    void acceptingSideNeverReportsConnectedForAFailedHandshake() throws Exception {
        try (EventBase base = startBase("tls-server");
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), true, false, b -> { })) {
            BufferEvent client = client(base, pki.clientContext(), server.port());
            TlsRecorder clientRec = TlsRecorder.on(client);
            client.connect(server.address());
            await().atMost(WAIT).until(() -> server.firstEnded() && clientRec.ended());
            assertThat(server.first().events).containsExactly("READING|ERROR");
            assertThat(server.first().sslErrorAtEvent).isNotNull();
            assertThat(server.accepted.get(0).isConnected()).isFalse();
            assertThat(clientRec.events).last().isEqualTo("READING|ERROR"); // the server's alert
            assertThat(client.sslError()).hasMessageContaining("certificate");

            BufferEvent withCert = client(base, pki.clientContextWithCertificate(), server.port());
            TlsRecorder rec2 = TlsRecorder.on(withCert);
            withCert.connect(server.address());
            await().atMost(WAIT).until(() -> rec2.has("CONNECTED") && server.accepted.size() == 2 && server.accepted.get(1).isConnected());
            assertThat(server.accepted.get(1).sslEngine().getSession().getPeerCertificates()[0]).isEqualTo(pki.client);
        }
    }

    /** Both ends ours: FINISHED sends everything, then close_notify, and the receiver sees a clean EOF, not an error. */
    @Test
    void finishedIsACleanCloseForTheReceiver() throws Exception {
        byte[] data = new byte[2 * 1024 * 1024 + 5];
        new Random(3).nextBytes(data);
        try (EventBase base = startBase("tls-both"); TlsTestServer server = new TlsTestServer(base, pki.serverContext())) {
            BufferEvent client = client(base, pki.clientContext(), server.port());
            TlsRecorder clientRec = TlsRecorder.on(client);
            client.write(data);
            client.flush(Ev.WRITE, BevFlush.FINISHED);
            client.connect(server.address());

            await().atMost(WAIT).until(server::firstEnded);
            assertSameBytes(server.first().bytes(), data);
            assertThat(server.first().events).containsExactly("CONNECTED", "READING|EOF");
            assertThat(server.first().inputLeftAtEvent).isFalse();
            assertThat(clientRec.events).containsExactly("CONNECTED");
            assertThat(client.isConnected()).isTrue(); // the read side stays open (TLS 1.3 half-close)
            // The server answers with data, then its own FINISHED: the client reads both.
            server.accepted.get(0).write("bye\n".getBytes(StandardCharsets.UTF_8));
            server.accepted.get(0).flush(Ev.WRITE, BevFlush.FINISHED);
            await().atMost(WAIT).until(clientRec::ended);
            assertThat(clientRec.text()).isEqualTo("bye\n");
            assertThat(clientRec.events).containsExactly("CONNECTED", "READING|EOF");
        }
    }

    /** Freed right after FINISHED, before anything was sent: the data and close_notify still go out. */
    @Test
    void freeWithFinishedPendingStillSendsCloseNotifyAfterTheData() throws Exception {
        byte[] data = new byte[1024 * 1024];
        new Random(5).nextBytes(data);
        try (EventBase base = startBase("tls-both"); TlsTestServer server = new TlsTestServer(base, pki.serverContext())) {
            BufferEvent client = client(base, pki.clientContext(), server.port());
            client.setCallbacks(null, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.write(data);
                    b.flush(Ev.WRITE, BevFlush.FINISHED);
                    b.free(); // libevent would drop it all; a pending FINISHED keeps its promise
                }
            });
            client.connect(server.address());
            await().atMost(WAIT).until(server::firstEnded);
            assertSameBytes(server.first().bytes(), data);
            assertThat(server.first().events).containsExactly("CONNECTED", "READING|EOF");
            assertThat(base.liveBufferEvents()).isEqualTo(2); // the server's, and the client's socket (reading until the peer closes)
            server.accepted.get(0).free();
            await().atMost(WAIT).until(() -> base.liveBufferEvents() == 0); // the client's socket saw the close and went
        }
    }

    /** Freed without FINISHED: a TCP close without close_notify, which the receiver reports as ERROR (or EOF if it allows dirty shutdowns). */
    @Test
    void dirtyCloseByOurSideIsAnErrorForTheReceiverUnlessAllowed() throws Exception {
        for (boolean allow : new boolean[] {false, true}) {
            try (EventBase base = startBase("tls-both");
                    TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, false, b -> b.setAllowDirtyShutdown(allow))) {
                BufferEvent client = client(base, pki.clientContext(), server.port());
                client.setCallbacks(null, null, (b, what) -> {
                    if (what == BevEvent.CONNECTED) {
                        b.write("cut short\n".getBytes(StandardCharsets.UTF_8));
                        b.flush(Ev.WRITE, BevFlush.FLUSH);
                    }
                });
                client.connect(server.address());
                await().atMost(WAIT).until(() -> server.recorders.size() == 1 && server.first().text().equals("cut short\n"));
                client.free();
                await().atMost(WAIT).until(server::firstEnded);
                if (allow) {
                    assertThat(server.first().events).containsExactly("CONNECTED", "READING|EOF");
                    assertThat(server.accepted.get(0).sslError()).isNull();
                } else {
                    assertThat(server.first().events).containsExactly("CONNECTED", "READING|ERROR");
                    assertThat(server.accepted.get(0).sslError()).hasMessageContaining("close_notify");
                }
            }
        }
    }

    /** A graceful shutdown of the client's base sends close_notify on its open TLS connections. */
    @Test
    void gracefulShutdownSendsCloseNotify() throws Exception {
        try (EventBase serverBase = startBase("tls-server"); TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext())) {
            EventBase clientBase = startBase("tls-client");
            BufferEvent client = client(clientBase, pki.clientContext(), server.port());
            TlsRecorder clientRec = TlsRecorder.on(client);
            client.connect(server.address());
            await().atMost(WAIT).until(() -> clientRec.has("CONNECTED") && server.recorders.size() == 1);
            client.write("last\n".getBytes(StandardCharsets.UTF_8));
            assertThat(clientBase.shutdownGracefully(Duration.ofSeconds(10))).isTrue();
            await().atMost(WAIT).until(server::firstEnded);
            assertThat(server.first().text()).isEqualTo("last\n");
            assertThat(server.first().events).containsExactly("CONNECTED", "READING|EOF");
        }
    }

    /**
     * A filter over a TLS bufferevent whose write high watermark makes the filter hold bytes back:
     * a graceful shutdown finishes the TLS bufferevent through the filter, so close_notify comes
     * after the last byte the filter moves down, not when the TLS output first runs dry.
     */
    @Test
    void gracefulShutdownOfAFilterOverTls() throws Exception {
        byte[] data = new byte[512 * 1024];
        new Random(13).nextBytes(data);
        try (EventBase serverBase = startBase("tls-server"); TlsTestServer server = new TlsTestServer(serverBase, pki.serverContext())) {
            EventBase clientBase = startBase("tls-client");
            BufferEvent tls = client(clientBase, pki.clientContext(), server.port());
            tls.setWatermark(Ev.WRITE, 0, 16 * 1024); // the filter moves at most this much at a time
            BufferEvent filter = BufferEvent.filter(tls, null, null, BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
            TlsRecorder clientRec = TlsRecorder.on(filter);
            filter.connect(server.address());
            await().atMost(WAIT).until(() -> clientRec.has("CONNECTED") && server.recorders.size() == 1);
            filter.write(data);
            assertThat(clientBase.shutdownGracefully(Duration.ofSeconds(10))).isTrue();
            await().atMost(WAIT).until(server::firstEnded);
            assertSameBytes(server.first().bytes(), data);
            assertThat(server.first().events).containsExactly("CONNECTED", "READING|EOF");
        }
    }

    /**
     * 200 clients handshake with an ACCEPTING server on the same loop at once, each then echoing
     * a line. The engines' delegated tasks run on an executor of our own (the builder's option):
     * the loop thread never runs one, and no loop turn takes long.
     */
    @Test
    void twoHundredConcurrentHandshakesNeverBlockTheLoop() throws Exception {
        int clients = 200;
        Set<String> taskThreads = ConcurrentHashMap.newKeySet();
        AtomicInteger tasks = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "test-tls-tasks");
            t.setDaemon(true);
            return t;
        });
        try (EventBase base = EventBase.builder().threadName("tls-200").daemon(true).delegatedTaskExecutor(r -> pool.execute(() -> {
            tasks.incrementAndGet();
            taskThreads.add(Thread.currentThread().getName());
            r.run();
        })).build().start()) {
            TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { });
            List<TlsRecorder> recs = new CopyOnWriteArrayList<>();
            for (int i = 0; i < clients; i++) {
                BufferEvent c = client(base, pki.clientContext(), server.port());
                TlsRecorder rec = TlsRecorder.on(c);
                recs.add(rec);
                c.write(("client " + i + "\n").getBytes(StandardCharsets.UTF_8));
                c.connect(server.address());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> recs.stream().allMatch(r -> r.bytes().length > 0 || r.ended()));
            for (int i = 0; i < clients; i++) {
                assertThat(recs.get(i).events).as("client %d", i).containsExactly("CONNECTED");
                assertThat(recs.get(i).text()).isEqualTo("client " + i + "\n");
            }
            System.out.printf("200 TLS handshakes: longest loop turn %d ms, %d delegated task runs%n",
                    TimeUnit.NANOSECONDS.toMillis(base.longestTurnNanos()), tasks.get());
            assertThat(taskThreads).containsOnly("test-tls-tasks");
            assertThat(tasks.get()).isGreaterThanOrEqualTo(2 * clients); // at least the client's begin and the server's hello
            assertThat(base.longestTurnNanos()).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
            server.close();
        } finally {
            pool.shutdownNow();
        }
    }

    /** sslFilter on both sides of a pair: TLS without a socket; FINISHED on one side is a clean EOF on the other. */
    @Test
    void tlsOverAPair() throws Exception {
        try (EventBase base = startBase("tls-pair")) {
            BufferEvent[] pair = BufferEvent.pair(base, BevOption.THREADSAFE);
            BufferEvent client = BufferEvent.sslFilter(pair[0], TestPki.clientEngine(pki.clientContext(), TestPki.HOST, 443),
                    BevSslState.CONNECTING, BevOption.THREADSAFE);
            BufferEvent server = BufferEvent.sslFilter(pair[1], TestPki.serverEngine(pki.serverContext(), false),
                    BevSslState.ACCEPTING, BevOption.THREADSAFE);
            TlsRecorder serverRec = TlsRecorder.echoing(server);
            TlsRecorder clientRec = TlsRecorder.on(client);
            client.write("through a pair\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> clientRec.text().equals("through a pair\n"));
            client.flush(Ev.WRITE, BevFlush.FINISHED);
            await().atMost(WAIT).until(serverRec::ended);
            assertThat(serverRec.events).containsExactly("CONNECTED", "READING|EOF");
            assertThat(clientRec.events).containsExactly("CONNECTED");
            assertThat(client.underlying()).isSameAs(pair[0]);
            client.free(); // without CLOSE_ON_FREE the underlying stays
            assertThat(pair[0].isFreed()).isFalse();
            server.free();
        }
    }

    /** The second connection from the same context resumes the session: the server's certificate is not checked again. */
    @Test
    void sessionResumption() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        SSLContext clientCtx = pki.clientContextCountingServerChecks(checks);
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), false); EventBase base = startBase("tls-resume")) {
            for (int round = 1; round <= 2; round++) {
                BufferEvent c = client(base, clientCtx, peer.address().getPort());
                TlsRecorder rec = TlsRecorder.on(c);
                c.connect(peer.address());
                c.write(("round " + round + "\n").getBytes(StandardCharsets.UTF_8));
                String expected = "round " + round + "\n";
                await().atMost(WAIT).until(() -> rec.text().equals(expected)); // the ticket arrived with or before the echo
                c.flush(Ev.WRITE, BevFlush.FINISHED);
                await().atMost(WAIT).until(rec::ended);
                c.free();
            }
            assertThat(checks.get()).isEqualTo(1);
        }
    }

    /** OPEN: the caller set the engine's mode; the bufferevent counts as connected with its transport and the engine handshakes on the first data. */
    @Test
    void openEngineIsConnectedAtOnce() throws Exception {
        try (LoopbackPeer peer = TlsPeerServer.echo(pki.serverContext(), false); EventBase base = startBase("tls-open")) {
            SSLEngine engine = TestPki.clientEngine(pki.clientContext(), TestPki.HOST, peer.address().getPort());
            BufferEvent c = BufferEvent.sslSocket(base, null, engine, BevSslState.OPEN, BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
            TlsRecorder rec = TlsRecorder.on(c);
            c.connect(peer.address());
            c.write("open\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> rec.text().equals("open\n"));
            assertThat(rec.events).containsExactly("CONNECTED"); // the TCP connect, as a socket reports it
            c.free();
        }
    }
}
