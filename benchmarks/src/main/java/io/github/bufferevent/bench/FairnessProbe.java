package io.github.bufferevent.bench;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One loop, two connections: one streams 64 KiB writes as fast as a reading sink takes them
 * (its write callback refills the output), the other plays ping-pong (64 B) with an echo peer.
 * Prints the ping-pong round-trip percentiles, the stream's throughput, and the distribution of
 * loop turn durations while measuring: how long one busy writer holds the loop away from
 * everything else.
 *
 * <p>Peers are blocking Java threads in this process; on 2 cores the loop, the sink and the echo
 * thread share them. Run with {@code benchmarks/fairness.sh}.
 */
public final class FairnessProbe {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            daemon(() -> {
                try (Socket s = sink.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[256 * 1024];
                    while (in.read(buf) > 0) {
                        // discard
                    }
                }
                return null;
            });
            daemon(() -> {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    s.setTcpNoDelay(true);
                    byte[] buf = new byte[64];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                    }
                }
                return null;
            });
            long[] turns = new long[1 << 21];
            int[] turnCount = new int[1];
            boolean[] measuring = new boolean[1];
            long[] writtenThisTurn = new long[1];
            long[] mostInOneTurn = new long[1];
            Instrumentation probe = new Instrumentation() {
                @Override
                public void bytesWritten(BufferEvent bev, long n) {
                    writtenThisTurn[0] += n;
                }

                @Override
                public void loopTurn(EventBase b, long nanos) {
                    if (measuring[0] && turnCount[0] < turns.length) {
                        turns[turnCount[0]++] = nanos;
                        mostInOneTurn[0] = Math.max(mostInOneTurn[0], writtenThisTurn[0]);
                    }
                    writtenThisTurn[0] = 0;
                }
            };
            EventBase base = EventBase.builder().threadName("fairness-loop").daemon(true).instrumentation(probe).build().start();
            byte[] chunk = new byte[64 * 1024];
            long[] streamed = new long[1];
            CountDownLatch streaming = new CountDownLatch(1);
            base.execute(() -> {
                try {
                    BufferEvent s = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
                    s.setCallbacks(null, b -> {
                        streamed[0] += chunk.length;
                        b.write(chunk);
                    }, (b, what) -> {
                        if (what == BevEvent.CONNECTED) {
                            b.write(chunk);
                            streaming.countDown();
                        }
                    });
                    s.connect(sink.getLocalSocketAddress());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            if (!streaming.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the stream did not start");
            }
            long[] rtt = new long[rounds];
            int[] done = new int[1];
            long[] sentAt = new long[1];
            CountDownLatch finished = new CountDownLatch(1);
            byte[] ping = new byte[64];
            base.execute(() -> {
                try {
                    BufferEvent p = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
                    p.setCallbacks(b -> {
                        if (b.input().length() < ping.length) {
                            return;
                        }
                        b.input().drain(ping.length);
                        rtt[done[0]++] = System.nanoTime() - sentAt[0];
                        measuring[0] = true;
                        if (done[0] == rounds) {
                            measuring[0] = false;
                            finished.countDown();
                            return;
                        }
                        sentAt[0] = System.nanoTime();
                        b.write(ping);
                    }, null, (b, what) -> {
                        if (what == BevEvent.CONNECTED) {
                            sentAt[0] = System.nanoTime();
                            b.write(ping);
                        }
                    });
                    p.enable(Ev.READ);
                    p.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            long streamedAtStart = 0;
            if (!finished.await(300, TimeUnit.SECONDS)) {
                throw new IllegalStateException("ping-pong did not finish");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            CountDownLatch read = new CountDownLatch(1);
            long[] streamedTotal = new long[1];
            base.execute(() -> {
                streamedTotal[0] = streamed[0];
                read.countDown();
            });
            read.await(10, TimeUnit.SECONDS);
            base.close();
            Arrays.sort(rtt);
            System.out.printf("ping-pong while streaming: rounds=%d p50=%.1f us p99=%.1f us p99.9=%.1f us max=%.1f us%n", rounds,
                    rtt[rounds / 2] / 1e3, rtt[(int) (rounds * 0.99)] / 1e3, rtt[(int) (rounds * 0.999)] / 1e3,
                    rtt[rounds - 1] / 1e3);
            int n = turnCount[0];
            long[] t = Arrays.copyOf(turns, n);
            Arrays.sort(t);
            System.out.printf("stream: %.0f MB/s, at most %d KiB written in one turn%n", (streamedTotal[0] - streamedAtStart) / seconds / 1e6,
                    mostInOneTurn[0] / 1024);
            System.out.printf("loop turns while measuring: %d, p50=%.1f us p99=%.1f us p99.9=%.1f us max=%.2f ms%n", n, t[n / 2] / 1e3,
                    t[(int) (n * 0.99)] / 1e3, t[(int) (n * 0.999)] / 1e3, t[n - 1] / 1e6);
        }
    }

    private interface Body {
        Object run() throws Exception;
    }

    private static void daemon(Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                // the peer ends when the probe closes its sockets
            }
        }, "fairness-peer");
        t.setDaemon(true);
        t.start();
    }

    private FairnessProbe() {
    }
}
