package io.github.bufferevent.bench;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * This project's TLS client for each TLS workload: {@code BufferEventFactory.ssl} bufferevents
 * (SSLEngine, JDK provider, narrowed by {@link TlsClientConfig}) on one {@code EventBase} with its
 * defaults (the handshake's delegated tasks on the base's own small pool), run by
 * {@code dispatch()} on the main thread. Main thread only.
 */
final class BevTlsBench {

    private final EventBase base;
    private final BufferEventFactory factory;
    private final SSLContext context;
    private final InetSocketAddress address;
    private final int port;

    /** With {@code inlineTasks}, the handshake's delegated tasks run on the loop thread, as Netty's SslHandler runs them by default. */
    BevTlsBench(TlsClientConfig config, int port, boolean inlineTasks) throws GeneralSecurityException {
        this.base = inlineTasks ? EventBase.builder().delegatedTaskExecutor(Runnable::run).build() : EventBase.create();
        this.factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE).build();
        this.context = config.jdkContext();
        this.port = port;
        this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private BufferEvent newBev() throws IOException {
        BufferEvent bev = factory.ssl(context, TlsClientConfig.SERVER_NAME, port);
        TlsClientConfig.restrict(bev.sslEngine());
        return bev;
    }

    private static void fail(BufferEvent bev, int events) {
        System.err.println("unexpected event " + BevEvent.toString(events) + ": " + bev.socketError() + " / " + bev.sslError());
        System.exit(1);
    }

    /** One connection, one {@code size}-byte message in flight, sent once the handshake is done. */
    String pingpong(int size, double warmup, double measure) throws IOException {
        LatencyRecorder latencies = new LatencyRecorder(5_000_000);
        byte[] message = new byte[size];
        long[] sentAt = new long[1];
        BufferEvent bev = newBev();
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
        bev.connect(address);
        long[] window = new long[4];
        base.once(seconds(warmup), () -> {
            latencies.recording = true;
            window[0] = System.nanoTime();
            window[2] = ProcessCpu.nanos();
        });
        base.once(seconds(warmup + measure), () -> {
            latencies.recording = false;
            window[1] = System.nanoTime();
            window[3] = ProcessCpu.nanos();
            base.loopBreak();
        });
        base.dispatch();
        return ProcessCpu.withCpu(latencies.result((window[1] - window[0]) / 1e9), window[2], window[3]);
    }

    /** {@code size}-byte writes to the discard port, the output topped up from the write callback; plaintext MB/s. */
    String stream(int size, double warmup, double measure) throws IOException {
        byte[] chunk = new byte[size];
        BufferEvent bev = newBev();
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
        bev.connect(address);
        long[] at = new long[6];
        base.once(seconds(warmup), () -> {
            at[0] = System.nanoTime();
            at[1] = bev.totalWritten();
            at[4] = ProcessCpu.nanos();
        });
        base.once(seconds(warmup + measure), () -> {
            at[2] = System.nanoTime();
            at[3] = bev.totalWritten();
            at[5] = ProcessCpu.nanos();
            base.loopBreak();
        });
        base.dispatch();
        return ProcessCpu.withCpu(Results.stream(at[3] - at[1], (at[2] - at[0]) / 1e9), at[4], at[5]);
    }

    /** Connect, full handshake, close_notify and free, one at a time; counts completed handshakes. */
    String handshake(double warmup, double measure) {
        long[] counts = new long[1];
        boolean[] counting = new boolean[1];
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            try {
                BufferEvent bev = newBev();
                bev.setCallbacks(null, null, (b, events) -> {
                    if (events != BevEvent.CONNECTED) {
                        fail(b, events);
                    }
                    b.flush(Ev.WRITE, BevFlush.FINISHED); // close_notify goes out before the socket closes, as Netty's close()
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
        long[] window = new long[4];
        base.once(seconds(warmup), () -> {
            counting[0] = true;
            window[0] = System.nanoTime();
            window[2] = ProcessCpu.nanos();
        });
        base.once(seconds(warmup + measure), () -> {
            counting[0] = false;
            window[1] = System.nanoTime();
            window[3] = ProcessCpu.nanos();
            base.loopBreak();
        });
        next[0].run();
        base.dispatch();
        return ProcessCpu.withCpu(Results.handshake(counts[0], (window[1] - window[0]) / 1e9), window[2], window[3]);
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }
}
