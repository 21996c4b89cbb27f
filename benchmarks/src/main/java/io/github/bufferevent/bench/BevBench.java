package io.github.bufferevent.bench;

import io.github.bufferevent.BevEvent;
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
import java.time.Duration;

/**
 * This project's client for each workload: {@code BufferEvent}s on one {@code EventBase}, run by
 * {@code dispatch()} on the main thread, as a libevent program would. With {@code metrics}, the
 * bufferevents and the base carry the starter's Micrometer instrumentation (Prometheus registry).
 */
final class BevBench {

    private final EventBase base;
    private final BufferEventFactory factory;
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
    }

    private static void fail(BufferEvent bev, int events) {
        System.err.println("unexpected event " + BevEvent.toString(events) + ": " + bev.socketError());
        System.exit(1);
    }

    String pingpong(int port, int connections, int size, double warmup, double measure) throws IOException {
        LatencyRecorder latencies = new LatencyRecorder(5_000_000);
        byte[] message = new byte[size];
        for (int i = 0; i < connections; i++) {
            BufferEvent bev = factory.socket();
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
        long[] window = new long[2];
        base.once(seconds(warmup), () -> {
            latencies.recording = true;
            window[0] = System.nanoTime();
        });
        base.once(seconds(warmup + measure), () -> {
            latencies.recording = false;
            window[1] = System.nanoTime();
            base.loopBreak();
        });
        base.dispatch();
        return latencies.result((window[1] - window[0]) / 1e9);
    }

    String stream(int port, int size, double warmup, double measure) throws IOException {
        byte[] chunk = new byte[size];
        BufferEvent bev = factory.socket();
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
        long[] at = new long[4];
        base.once(seconds(warmup), () -> {
            at[0] = System.nanoTime();
            at[1] = bev.totalWritten();
        });
        base.once(seconds(warmup + measure), () -> {
            at[2] = System.nanoTime();
            at[3] = bev.totalWritten();
            base.loopBreak();
        });
        base.dispatch();
        double secs = (at[2] - at[0]) / 1e9;
        long bytes = at[3] - at[1];
        return Results.stream(bytes, secs);
    }

    String connect(int port, double warmup, double measure) {
        long[] counts = new long[1];
        boolean[] counting = new boolean[1];
        InetSocketAddress address = new InetSocketAddress(host, port);
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            try {
                BufferEvent bev = factory.socket();
                bev.setCallbacks(null, null, (b, events) -> {
                    if (events != BevEvent.CONNECTED) {
                        fail(b, events);
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
        long[] window = new long[2];
        base.once(seconds(warmup), () -> {
            counting[0] = true;
            window[0] = System.nanoTime();
        });
        base.once(seconds(warmup + measure), () -> {
            counting[0] = false;
            window[1] = System.nanoTime();
            base.loopBreak();
        });
        next[0].run();
        base.dispatch();
        double secs = (window[1] - window[0]) / 1e9;
        return Results.connect(counts[0], secs);
    }

    String idle(int port, int count) throws Exception {
        long before = HeapProbe.usedAfterGc();
        BufferEvent[] all = new BufferEvent[count];
        int[] connected = new int[1];
        for (int i = 0; i < count; i++) {
            BufferEvent bev = factory.socket();
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

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }
}
