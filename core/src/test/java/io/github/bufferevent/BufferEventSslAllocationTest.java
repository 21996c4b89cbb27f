package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TLS path allocates nothing per record of its own: a TLS ping-pong of 64-byte messages
 * between two bufferevents on one loop thread allocates no more per round trip than the same
 * four records (two wraps, two unwraps) shuttled between two bare {@link SSLEngine}s, which is
 * what the JDK allocates itself (results, GCM buffers). Counts bytes, not time.
 */
@Timeout(120)
class BufferEventSslAllocationTest {

    private static final int WARMUP = 40_000;
    private static final int MEASURED = 20_000;
    private final TestPki pki = TestPki.get();
    private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void tlsRoundTripsAllocateNoMoreThanTheEnginesThemselves() throws Exception {
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        double engines = bareEnginesPerRoundTrip();
        double ours = bufferEventsPerRoundTrip();
        System.out.printf("TLS ping-pong: %.1f B per round trip through bufferevents, %.1f B through bare engines%n", ours, engines);
        assertThat(ours).isLessThan(engines + 64); // "nothing" tolerates a few stray bytes
    }

    private double bufferEventsPerRoundTrip() throws Exception {
        try (EventBase base = EventBase.create();
                TlsTestServer server = new TlsTestServer(base, pki.serverContext(), false, true, b -> { })) {
            byte[] message = new byte[64];
            long[] rounds = new long[1];
            long[] target = {WARMUP};
            BufferEvent client = BufferEvent.sslSocket(base, null, TestPki.clientEngine(pki.clientContext(), TestPki.HOST, server.port()),
                    BevSslState.CONNECTING, BevOption.CLOSE_ON_FREE);
            HotPathAllocationTest.pingPong(client, message, rounds, target);
            client.enable(Ev.READ);
            client.connect(server.address());
            base.dispatch(); // handshake and warm-up
            target[0] += MEASURED;
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            client.write(message);
            base.dispatch();
            long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            assertThat(rounds[0]).isEqualTo(WARMUP + MEASURED);
            client.free();
            return (double) allocated / MEASURED;
        }
    }

    private double bareEnginesPerRoundTrip() throws Exception {
        SSLEngine client = TestPki.clientEngine(pki.clientContext(), TestPki.HOST, 443);
        SSLEngine server = TestPki.serverEngine(pki.serverContext(), false);
        handshake(client, server);
        ByteBuffer app = ByteBuffer.allocate(64);
        ByteBuffer net = ByteBuffer.allocate(64 * 1024);
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        for (int i = 0; i < WARMUP; i++) {
            roundTrip(client, server, app, net, out);
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < MEASURED; i++) {
            roundTrip(client, server, app, net, out);
        }
        return (double) (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / MEASURED;
    }

    private static void roundTrip(SSLEngine client, SSLEngine server, ByteBuffer app, ByteBuffer net, ByteBuffer out) throws Exception {
        shuttle(client, server, app, net, out);
        shuttle(server, client, app, net, out);
    }

    private static void shuttle(SSLEngine from, SSLEngine to, ByteBuffer app, ByteBuffer net, ByteBuffer out) throws Exception {
        app.clear();
        net.clear();
        from.wrap(app, net);
        net.flip();
        out.clear();
        to.unwrap(net, out);
    }

    /** Both engines on this thread, their tasks run inline: a test harness, not what the bufferevents do. */
    private static void handshake(SSLEngine client, SSLEngine server) throws Exception {
        ByteBuffer toServer = ByteBuffer.allocate(64 * 1024);
        ByteBuffer toClient = ByteBuffer.allocate(64 * 1024);
        ByteBuffer app = ByteBuffer.allocate(64 * 1024);
        ByteBuffer empty = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int i = 0; i < 100; i++) {
            for (SSLEngine e : new SSLEngine[] {client, server}) {
                for (Runnable t = e.getDelegatedTask(); t != null; t = e.getDelegatedTask()) {
                    t.run();
                }
            }
            if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
                return;
            }
            client.wrap(empty, toServer);
            server.wrap(empty, toClient);
            toServer.flip();
            toClient.flip();
            app.clear();
            server.unwrap(toServer, app);
            app.clear();
            client.unwrap(toClient, app);
            toServer.compact();
            toClient.compact();
        }
        throw new AssertionError("the bare engines did not finish their handshake");
    }
}
