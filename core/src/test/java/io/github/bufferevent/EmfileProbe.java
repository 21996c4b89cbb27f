package io.github.bufferevent;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a child JVM with a low {@code ulimit -n} by {@link ConnectionListenerAcceptErrorTest}:
 * listens, uses up every file descriptor, and reports how the listener copes with EMFILE.
 *
 * <p>Deterministic by construction: while no descriptor is left, the JVM cannot load a class from
 * a directory or open the time-zone data, so whatever runs then must have run before. Round one
 * takes the whole error path once (connect, exhaust, accept errors, recover); round two, the one
 * measured, repeats it with every class loaded. The client connects from here, before the
 * descriptors run out, and waits in the backlog while the listener is disabled.
 * Prints {@code RESULT errors=n accepted=n} on stdout.
 */
final class EmfileProbe {

    public static void main(String[] args) throws Exception {
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        try (EventBase base = EventBase.create()) {
            ConnectionListener listener = ConnectionListener.bind(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16,
                    (l, ch, peer) -> {
                        accepted.incrementAndGet();
                        try {
                            ch.close();
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    },
                    (l, cause) -> errors.incrementAndGet());
            listener.setErrorPause(Duration.ofMillis(200));
            round(base, listener, accepted, Duration.ofMillis(500));
            errors.set(0);
            accepted.set(0);
            int errorsWhileExhausted = round(base, listener, accepted, Duration.ofSeconds(1), errors);
            listener.free();
            System.out.println("RESULT errors=" + errorsWhileExhausted + " accepted=" + accepted.get());
        }
    }

    private static void round(EventBase base, ConnectionListener listener, AtomicInteger accepted, Duration exhausted)
            throws IOException {
        round(base, listener, accepted, exhausted, new AtomicInteger());
    }

    /** One connection accepted the hard way; returns the accept errors seen while exhausted. */
    private static int round(EventBase base, ConnectionListener listener, AtomicInteger accepted, Duration exhausted,
            AtomicInteger errors) throws IOException {
        listener.disable();
        base.loop(EventBase.LOOP_NONBLOCK);
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            List<InputStream> fillers = new ArrayList<>();
            while (true) {
                try {
                    fillers.add(new FileInputStream("/dev/null"));
                } catch (IOException full) {
                    break;
                }
            }
            // Accept fails with EMFILE for the whole period: the listener must pause between
            // attempts instead of spinning, and the loop must survive whatever it logs.
            listener.enable();
            base.loopExit(exhausted);
            base.dispatch();
            int seen = errors.get();
            for (InputStream in : fillers) {
                in.close();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (accepted.get() == 0 && System.nanoTime() < deadline) {
                base.loop(EventBase.LOOP_ONCE);
            }
            if (accepted.get() != 1) {
                throw new IllegalStateException("the connection was not accepted after the descriptors came back");
            }
            return seen;
        }
    }

    private EmfileProbe() {
    }
}
