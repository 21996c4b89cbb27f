package io.github.bufferevent.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty 4.2's client for each workload: one event-loop thread ({@code MultiThreadIoEventLoopGroup(1,
 * NioIoHandler.newFactory())}, or the epoll transport as a reference), pooled direct buffers,
 * TCP_NODELAY, as a Netty user would write it.
 *
 * <p>The TLS client ({@link #NettyBench(TlsClientConfig)}) runs the same loops on the NIO transport
 * with an {@code SslHandler} first in each pipeline, from {@code SslContextBuilder.forClient()} on
 * the JDK provider ({@link TlsClientConfig}), made with {@code newHandler(alloc, host, port)}: its
 * defaults, delegated tasks run on the event loop. Its workloads start once the handshake is done,
 * its results carry the process's CPU time over the measured window, and its stream window is timed
 * from the main thread. Main thread only (the handlers on the loop).
 */
final class NettyBench {

    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;
    private final SslContext ssl; // null: plain TCP
    private final InetAddress host = InetAddress.getLoopbackAddress();

    NettyBench(boolean epoll) {
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        ssl = null;
    }

    /** The TLS client: NIO transport. */
    NettyBench(TlsClientConfig config) throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        channelType = NioSocketChannel.class;
        ssl = config.nettyContext();
    }

    /** {@code handler} may be null: the plain client gets a {@link Noop}, the TLS one its SslHandler alone. */
    private Bootstrap bootstrap(ChannelHandler handler, int port) {
        Bootstrap b = new Bootstrap().group(group).channel(channelType).option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        if (ssl == null) {
            return b.handler(handler != null ? handler : new Noop());
        }
        return b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(ssl.newHandler(ch.alloc(), TlsClientConfig.SERVER_NAME, port));
                if (handler != null) {
                    ch.pipeline().addLast(handler);
                }
            }
        });
    }

    void shutdown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static void fail(Throwable cause) {
        System.err.println("unexpected failure: " + cause);
        System.exit(1);
    }

    /** A handler that does nothing, shareable across the channels of one bootstrap. */
    @ChannelHandler.Sharable
    private static final class Noop extends ChannelInboundHandlerAdapter {
    }

    /**
     * Runs {@code first} at warm-up's end and {@code last} at the end of the measured window, on
     * {@code loop} (or, with {@code loop} null, on this thread), then returns {start, end} in
     * {@code System.nanoTime()} and, for TLS, {start, end} of the process's CPU time.
     */
    private long[] window(EventLoop loop, Runnable first, Runnable last, double warmup, double measure) throws InterruptedException {
        long[] at = {0, 0, -1, -1};
        Runnable start = () -> {
            first.run();
            at[0] = System.nanoTime();
            if (ssl != null) {
                at[2] = ProcessCpu.nanos();
            }
        };
        Runnable end = () -> {
            last.run();
            at[1] = System.nanoTime();
            if (ssl != null) {
                at[3] = ProcessCpu.nanos();
            }
        };
        if (loop == null) {
            long begin = System.nanoTime();
            sleepUntil(begin + (long) (warmup * 1e9));
            start.run();
            sleepUntil(begin + (long) ((warmup + measure) * 1e9));
            end.run();
            return at;
        }
        CountDownLatch done = new CountDownLatch(1);
        loop.schedule(start, (long) (warmup * 1e9), TimeUnit.NANOSECONDS);
        loop.schedule(() -> {
            end.run();
            done.countDown();
        }, (long) ((warmup + measure) * 1e9), TimeUnit.NANOSECONDS);
        done.await();
        return at;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static double seconds(long[] window) {
        return (window[1] - window[0]) / 1e9;
    }

    /** The TLS results carry the window's CPU time; the plain ones are as they were. */
    private String withCpu(String result, long[] window) {
        return ssl != null ? ProcessCpu.withCpu(result, window[2], window[3]) : result;
    }

    String pingpong(int port, int connections, int size, double warmup, double measure) throws Exception {
        LatencyRecorder latencies = new LatencyRecorder(5_000_000);
        byte[] message = new byte[size];
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            ChannelFuture f = bootstrap(new PingPongHandler(latencies, message, ssl != null), port)
                    .connect(new InetSocketAddress(host, port)).sync();
            channels.add(f.channel());
        }
        long[] window = window(group.next(), () -> latencies.recording = true, () -> latencies.recording = false, warmup, measure);
        String result = withCpu(latencies.result(seconds(window)), window);
        for (Channel c : channels) {
            c.close();
        }
        return result;
    }

    /**
     * A workload's handler: starts it on channelActive or, with {@code afterHandshake}, once the
     * TLS handshake is done; any exception ends the run.
     */
    private abstract static class WorkloadHandler extends ChannelInboundHandlerAdapter {
        private final boolean afterHandshake;

        WorkloadHandler(boolean afterHandshake) {
            this.afterHandshake = afterHandshake;
        }

        abstract void start(ChannelHandlerContext ctx);

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (afterHandshake) {
                ctx.fireChannelActive();
            } else {
                start(ctx);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    fail(e.cause());
                }
                start(ctx);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }
    }

    /** Keeps one message in flight: counts echoed bytes, sends the next once a whole message is back. */
    private static final class PingPongHandler extends WorkloadHandler {
        private final LatencyRecorder latencies;
        private final byte[] message;
        private int pending;
        private long sentAt;

        PingPongHandler(LatencyRecorder latencies, byte[] message, boolean afterHandshake) {
            super(afterHandshake);
            this.latencies = latencies;
            this.message = message;
        }

        @Override
        void start(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            ByteBuf buf = ctx.alloc().directBuffer(message.length);
            buf.writeBytes(message);
            sentAt = System.nanoTime();
            ctx.writeAndFlush(buf, ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            pending += buf.readableBytes();
            buf.release();
            while (pending >= message.length) {
                pending -= message.length;
                long now = System.nanoTime();
                latencies.record(now - sentAt);
                send(ctx);
            }
        }
    }

    /**
     * The TLS window is timed from this (main) thread: while SslHandler streams, the event loop
     * runs its scheduled tasks late (seconds late in trial runs), which would cut the window short.
     */
    String stream(int port, int size, double warmup, double measure) throws Exception {
        AtomicLong written = new AtomicLong();
        StreamHandler handler = new StreamHandler(new byte[size], written, ssl != null);
        Channel channel = bootstrap(handler, port).connect(new InetSocketAddress(host, port)).sync().channel();
        long[] bytes = new long[2];
        long[] window = window(ssl != null ? null : channel.eventLoop(), () -> bytes[0] = written.get(),
                () -> bytes[1] = written.get(), warmup, measure);
        handler.stopped = true; // writes still queued fail when the channel closes: not an error
        channel.close();
        return withCpu(Results.stream(bytes[1] - bytes[0], seconds(window)), window);
    }

    /** Writes while the channel is writable (Netty's default 32/64 KiB watermarks), counting completed writes. */
    private static final class StreamHandler extends WorkloadHandler {
        private final byte[] chunk;
        private final ChannelFutureListener counter;
        private boolean started;
        volatile boolean stopped;

        StreamHandler(byte[] chunk, AtomicLong written, boolean afterHandshake) {
            super(afterHandshake);
            this.chunk = chunk;
            this.counter = f -> {
                if (f.isSuccess()) {
                    written.addAndGet(chunk.length);
                } else if (!stopped) {
                    fail(f.cause());
                }
            };
        }

        @Override
        void start(ChannelHandlerContext ctx) {
            started = true;
            fill(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (started) {
                fill(ctx);
            }
        }

        private void fill(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            while (ch.isWritable() && !stopped) {
                ByteBuf buf = ctx.alloc().directBuffer(chunk.length);
                buf.writeBytes(chunk);
                ctx.write(buf).addListener(counter);
            }
            ctx.flush();
        }
    }

    /**
     * Connect and close, one at a time, counting connects; the TLS client counts handshakes:
     * connect, full handshake, close (close_notify, then the socket).
     */
    String connect(int port, double warmup, double measure) throws Exception {
        AtomicLong counted = new AtomicLong();
        boolean[] counting = new boolean[1];
        boolean[] done = new boolean[1];
        Bootstrap b = bootstrap(null, port);
        InetSocketAddress address = new InetSocketAddress(host, port);
        Runnable[] next = new Runnable[1];
        ChannelFutureListener closeAndNext = f -> {
            f.channel().close();
            if (counting[0]) {
                counted.incrementAndGet();
            }
            if (!done[0]) {
                next[0].run();
            }
        };
        // Once done, the connection in flight is closed by the group's shutdown: its failure is not an error.
        next[0] = () -> b.connect(address).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (done[0]) {
                    return;
                }
                fail(f.cause());
            }
            SslHandler handler = f.channel().pipeline().get(SslHandler.class);
            if (handler == null) {
                closeAndNext.operationComplete(f);
                return;
            }
            handler.handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    if (done[0]) {
                        return;
                    }
                    fail(h.cause());
                }
                closeAndNext.operationComplete(f);
            });
        });
        EventLoop loop = group.next();
        loop.execute(next[0]);
        long[] window = window(loop, () -> counting[0] = true, () -> {
            counting[0] = false;
            done[0] = true;
        }, warmup, measure);
        double secs = seconds(window);
        return withCpu(ssl != null ? Results.handshake(counted.get(), secs) : Results.connect(counted.get(), secs), window);
    }

    String idle(int port, int count) throws Exception {
        // Warm the pooled allocator and the bootstrap path first, so the delta is per connection.
        bootstrap(new Noop(), port).connect(new InetSocketAddress(host, port)).sync().channel().close().sync();
        long before = HeapProbe.usedAfterGc();
        List<Channel> channels = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            channels.add(bootstrap(new Noop(), port).connect(new InetSocketAddress(host, port)).sync().channel());
        }
        long after = HeapProbe.usedAfterGc();
        String result = Results.idle(count, before, after);
        for (Channel c : channels) {
            c.close();
        }
        return result;
    }
}
