package io.github.bufferevent.bench;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.metrics.MicrometerBufferEventInstrumentation;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * This project's client for each workload: {@code BufferEvent}s on one {@code EventBase}, run by
 * {@code dispatch()} on the main thread, as a libevent program would. With {@code metrics}, the
 * bufferevents and the base carry the starter's Micrometer instrumentation (Prometheus registry).
 *
 * <p>The TLS client ({@link #tls}) runs the same loops on {@code BufferEventFactory.ssl}
 * bufferevents (SSLEngine, JDK provider, narrowed by {@link TlsClientConfig}), with the base's
 * defaults (the handshake's delegated tasks on the base's own small pool); each TLS result also
 * carries the process's CPU time over the measured window, and each connection of the connect
 * loop sends close_notify before it is freed. Main thread only.
 */
final class BevBench {

    /** How a connection to {@code port} is made: a plain socket or a TLS bufferevent. */
    private interface Opener {
        BufferEvent open(int port) throws IOException;
    }

    private final EventBase base;
    private final BufferEventFactory factory;
    private final Opener opener;
    private final boolean tls;
    private final InetAddress host = InetAddress.getLoopbackAddress();

    BevBench(boolean metrics) {
        if (metrics) {
            MicrometerBufferEventInstrumentation instrumentation =
                    new MicrometerBufferEventInstrumentation(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            base = EventBase.builder().instrumentation(instrumentation.forEventBase()).build();
            factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE)
                    .instrumentation(instrumentation.forClient("bench")).build();
        } else {
            base = EventBase.create();
            factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE).build();
        }
        opener = port -> factory.socket();
        tls = false;
    }

    private BevBench(EventBase base, SSLContext context) {
        this.base = base;
        this.factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE).build();
        this.opener = port -> {
            BufferEvent bev = factory.ssl(context, TlsClientConfig.SERVER_NAME, port);
            TlsClientConfig.restrict(bev.sslEngine());
            return bev;
        };
        this.tls = true;
    }

    /**
     * The TLS client. With {@code inlineTasks}, the handshake's delegated tasks run on the loop
     * thread, as Netty's SslHandler runs them by default.
     */
    static BevBench tls(TlsClientConfig config, boolean inlineTasks) throws GeneralSecurityException {
        EventBase base = inlineTasks ? EventBase.builder().delegatedTaskExecutor(Runnable::run).build() : EventBase.create();
        return new BevBench(base, config.jdkContext());
    }

    private void fail(BufferEvent bev, int events) {
        System.err.println("unexpected event " + BevEvent.toString(events) + ": " + bev.socketError()
                + (tls ? " / " + bev.sslError() : ""));
        System.exit(1);
    }

    /** {@code connections} connections, one {@code size}-byte message in flight on each, sent once connected (TLS: handshaken). */
    String pingpong(int port, int connections, int size, double warmup, double measure) throws IOException {
        LatencyRecorder latencies = new LatencyRecorder(5_000_000);
        byte[] message = new byte[size];
        for (int i = 0; i < connections; i++) {
            BufferEvent bev = opener.open(port);
            long[] sentAt = new long[1];
            bev.setWatermark(Ev.READ, size, 0);
            bev.setCallbacks(b -> {
                EvBuffer in = b.input();
                while (in.length() >= size) {
                    in.drain(size);
                    long now = System.nanoTime();
                    latencies.record(now - sentAt[0]);
                    sentAt[0] = now;
                    b.write(message);
                }
            }, null, (b, events) -> {
                if (events == BevEvent.CONNECTED) {
                    sentAt[0] = System.nanoTime();
                    b.write(message);
                } else {
                    fail(b, events);
                }
            });
            bev.enable(Ev.READ);
            bev.connect(new InetSocketAddress(host, port));
        }
        long[] window = window(() -> latencies.recording = true, () -> latencies.recording = false, null, warmup, measure);
        return withCpu(latencies.result(seconds(window)), window);
    }

    /** {@code size}-byte writes to the discard port, the output topped up from the write callback (TLS: plaintext MB/s). */
    String stream(int port, int size, double warmup, double measure) throws IOException {
        byte[] chunk = new byte[size];
        BufferEvent bev = opener.open(port);
        bev.setWatermark(Ev.WRITE, 4L * size, 0);
        BufferEvent.WriteCallback topUp = b -> {
            while (b.output().length() < 8L * size) {
                b.write(chunk);
            }
        };
        bev.setCallbacks(null, topUp, (b, events) -> {
            if (events == BevEvent.CONNECTED) {
                topUp.onWrite(b);
            } else {
                fail(b, events);
            }
        });
        bev.connect(new InetSocketAddress(host, port));
        long[] written = new long[2];
        long[] window = window(() -> written[0] = bev.totalWritten(), () -> written[1] = bev.totalWritten(), null, warmup, measure);
        return withCpu(Results.stream(written[1] - written[0], seconds(window)), window);
    }

    /**
     * Connect, CONNECTED and free, one at a time, counting connects; the TLS client counts
     * handshakes: connect, full handshake, close_notify and free.
     */
    String connect(int port, double warmup, double measure) {
        long[] counts = new long[1];
        boolean[] counting = new boolean[1];
        InetSocketAddress address = new InetSocketAddress(host, port);
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            try {
                BufferEvent bev = opener.open(port);
                bev.setCallbacks(null, null, (b, events) -> {
                    if (events != BevEvent.CONNECTED) {
                        fail(b, events);
                    }
                    if (tls) {
                        b.flush(Ev.WRITE, BevFlush.FINISHED); // close_notify goes out before the socket closes, as Netty's close()
                    }
                    b.free();
                    if (counting[0]) {
                        counts[0]++;
                    }
                    next[0].run();
                });
                bev.connect(address);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        };
        long[] window = window(() -> counting[0] = true, () -> counting[0] = false, next[0], warmup, measure);
        double secs = seconds(window);
        return withCpu(tls ? Results.handshake(counts[0], secs) : Results.connect(counts[0], secs), window);
    }

    String idle(int port, int count) throws Exception {
        long before = HeapProbe.usedAfterGc();
        BufferEvent[] all = new BufferEvent[count];
        int[] connected = new int[1];
        for (int i = 0; i < count; i++) {
            BufferEvent bev = opener.open(port);
            bev.setCallbacks(null, null, (b, events) -> {
                if (events != BevEvent.CONNECTED) {
                    fail(b, events);
                }
                if (++connected[0] == count) {
                    b.base().loopBreak();
                }
            });
            bev.enable(Ev.READ); // idle but listening, as a real client connection would be
            bev.connect(new InetSocketAddress(host, port));
            all[i] = bev;
        }
        base.dispatch();
        long after = HeapProbe.usedAfterGc();
        String result = Results.idle(count, before, after);
        for (BufferEvent bev : all) {
            bev.free();
        }
        return result;
    }

    /**
     * Dispatches for {@code warmup + measure} seconds: {@code start} at warm-up's end, {@code stop}
     * at the end of the measured window, {@code first} (if any) once the timers are set. Returns
     * {start, end} in {@code System.nanoTime()} and, for TLS, {start, end} of the process's CPU time.
     */
    private long[] window(Runnable start, Runnable stop, Runnable first, double warmup, double measure) {
        long[] at = {0, 0, -1, -1};
        base.once(duration(warmup), () -> {
            start.run();
            at[0] = System.nanoTime();
            if (tls) {
                at[2] = ProcessCpu.nanos();
            }
        });
        base.once(duration(warmup + measure), () -> {
            stop.run();
            at[1] = System.nanoTime();
            if (tls) {
                at[3] = ProcessCpu.nanos();
            }
            base.loopBreak();
        });
        if (first != null) {
            first.run();
        }
        base.dispatch();
        return at;
    }

    private static double seconds(long[] window) {
        return (window[1] - window[0]) / 1e9;
    }

    /** The TLS results carry the window's CPU time; the plain ones are as they were. */
    private String withCpu(String result, long[] window) {
        return tls ? ProcessCpu.withCpu(result, window[2], window[3]) : result;
    }

    private static Duration duration(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }
}
