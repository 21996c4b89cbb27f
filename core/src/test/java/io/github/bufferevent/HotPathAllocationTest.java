package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The steady-state echo path allocates nothing per message: client and server bufferevents on one
 * loop thread ping-pong 64-byte messages, and the loop thread's allocated bytes are read from the
 * JVM before and after. Counts bytes, not time.
 */
@Timeout(120)
class HotPathAllocationTest {

    private static final int WARMUP = 200_000;
    private static final int MEASURED = 100_000;

    @Test
    void echoRoundTripsAllocateNothingOnceWarm() throws Exception {
        echoAllocatesNothing("echo hot path", socket -> socket);
    }

    @Test
    void echoRoundTripsThroughAPassThroughFilterAllocateNothingOnceWarm() throws Exception {
        echoAllocatesNothing("echo through a filter", socket -> BufferEvent.filter(socket, null, null, BevOption.CLOSE_ON_FREE));
    }

    /** The client is {@code clientOver} the client socket. */
    private static void echoAllocatesNothing(String name, UnaryOperator<BufferEvent> clientOver) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        try (EventBase base = EventBase.create()) {
            ConnectionListener listener = ConnectionListener.bind(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16,
                    (l, ch, peer) -> {
                        try {
                            BufferEvent server = BufferEvent.socket(base, ch, BevOption.CLOSE_ON_FREE);
                            server.setCallbacks(b -> b.output().addBuffer(b.input()), null, null);
                            server.enable(Ev.READ);
                        } catch (java.io.IOException e) {
                            throw new RuntimeException(e);
                        }
                    });
            byte[] message = new byte[64];
            long[] rounds = new long[1];
            long[] target = new long[] {WARMUP};
            BufferEvent client = clientOver.apply(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE));
            pingPong(client, message, rounds, target);
            client.enable(Ev.READ);
            client.connect(listener.localAddress());
            base.dispatch(); // warm-up: the JIT compiles the path
            long id = Thread.currentThread().getId();
            target[0] = WARMUP + MEASURED;
            long before = threads.getThreadAllocatedBytes(id);
            client.write(message);
            base.dispatch();
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertThat(rounds[0]).isEqualTo(WARMUP + MEASURED);
            double perRoundTrip = (double) allocated / MEASURED;
            System.out.printf(name + ": %d bytes over %d round trips = %.3f B/round trip%n", allocated, MEASURED, perRoundTrip);
            // Each round trip is 2 reads, 2 writes and 2 callbacks; "nothing" tolerates a few
            // stray JDK bytes per thousand round trips.
            assertThat(perRoundTrip).isLessThan(1.0);
            client.free();
            listener.free();
        }
    }

    /**
     * The client side of a ping-pong of {@code message}: sends it once connected, and again for
     * each one that comes back, counting round trips in {@code rounds[0]}; breaks the loop when
     * it reaches {@code target[0]}. Allocates nothing per message.
     */
    static void pingPong(BufferEvent client, byte[] message, long[] rounds, long[] target) {
        int n = message.length;
        client.setCallbacks(b -> {
            EvBuffer in = b.input();
            while (in.length() >= n) {
                in.drain(n);
                if (++rounds[0] == target[0]) {
                    b.base().loopBreak();
                    return;
                }
                b.write(message);
            }
        }, null, (b, what) -> {
            if (what == BevEvent.CONNECTED) {
                b.write(message);
            }
        });
    }
}
