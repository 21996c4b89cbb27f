package io.github.bufferevent;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a child JVM with a low {@code ulimit -n} by {@link ConnectionListenerAcceptErrorTest}:
 * listens, uses up every file descriptor, and reports how the listener copes with EMFILE.
 * Protocol on stdout: {@code PORT n}, {@code EXHAUSTED}, then {@code RESULT errors=n accepted=n}.
 */
final class EmfileProbe {

    public static void main(String[] args) throws Exception {
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        List<InputStream> fillers = new ArrayList<>();
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
            // Warm up every class the loop needs before no file can be opened.
            base.loop(EventBase.LOOP_NONBLOCK);
            base.loopExit(Duration.ofMillis(5));
            base.dispatch();
            System.out.println("PORT " + ((InetSocketAddress) listener.localAddress()).getPort());
            System.out.flush();
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
            if (!"GO".equals(line)) {
                throw new IllegalStateException("expected GO, got " + line);
            }
            while (true) {
                try {
                    fillers.add(new FileInputStream("/dev/null"));
                } catch (IOException exhausted) {
                    break;
                }
            }
            System.out.println("EXHAUSTED " + fillers.size());
            System.out.flush();
            // The parent connects now. Accept fails with EMFILE for one second: the listener must
            // pause between attempts instead of spinning.
            base.loopExit(Duration.ofSeconds(1));
            base.dispatch();
            for (InputStream in : fillers) {
                in.close();
            }
            int errorsWhileExhausted = errors.get();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (accepted.get() == 0 && System.nanoTime() < deadline) {
                base.loop(EventBase.LOOP_ONCE);
            }
            listener.free();
            System.out.println("RESULT errors=" + errorsWhileExhausted + " accepted=" + accepted.get());
        }
    }

    private EmfileProbe() {
    }
}
