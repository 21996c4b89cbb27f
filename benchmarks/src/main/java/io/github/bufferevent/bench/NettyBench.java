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
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
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
 */
final class NettyBench {

    private final EventLoopGroup group;
    private final Class<? extends Channel> channelType;
    private final InetAddress host = InetAddress.getLoopbackAddress();

    NettyBench(boolean epoll) {
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    private Bootstrap bootstrap(ChannelHandler handler) {
        return new Bootstrap().group(group).channel(channelType).option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT).handler(handler);
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

    String pingpong(int port, int connections, int size, double warmup, double measure) throws Exception {
        LatencyRecorder latencies = new LatencyRecorder(5_000_000);
        byte[] message = new byte[size];
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            ChannelFuture f = bootstrap(new PingPongHandler(latencies, message)).connect(new InetSocketAddress(host, port)).sync();
            channels.add(f.channel());
        }
        long[] window = new long[2];
        CountDownLatch done = new CountDownLatch(1);
        group.next().schedule(() -> {
            latencies.recording = true;
            window[0] = System.nanoTime();
        }, (long) (warmup * 1e9), TimeUnit.NANOSECONDS);
        group.next().schedule(() -> {
            latencies.recording = false;
            window[1] = System.nanoTime();
            done.countDown();
        }, (long) ((warmup + measure) * 1e9), TimeUnit.NANOSECONDS);
        done.await();
        String result = latencies.result((window[1] - window[0]) / 1e9);
        for (Channel c : channels) {
            c.close();
        }
        return result;
    }

    /** Keeps one message in flight: counts echoed bytes, sends the next once a whole message is back. */
    private static final class PingPongHandler extends ChannelInboundHandlerAdapter {
        private final LatencyRecorder latencies;
        private final byte[] message;
        private int pending;
        private long sentAt;

        PingPongHandler(LatencyRecorder latencies, byte[] message) {
            this.latencies = latencies;
            this.message = message;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
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

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }
    }

    String stream(int port, int size, double warmup, double measure) throws Exception {
        AtomicLong written = new AtomicLong();
        byte[] chunk = new byte[size];
        StreamHandler handler = new StreamHandler(chunk, written);
        Channel channel = bootstrap(handler).connect(new InetSocketAddress(host, port)).sync().channel();
        long[] at = new long[4];
        CountDownLatch done = new CountDownLatch(1);
        channel.eventLoop().schedule(() -> {
            at[0] = System.nanoTime();
            at[1] = written.get();
        }, (long) (warmup * 1e9), TimeUnit.NANOSECONDS);
        channel.eventLoop().schedule(() -> {
            at[2] = System.nanoTime();
            at[3] = written.get();
            done.countDown();
        }, (long) ((warmup + measure) * 1e9), TimeUnit.NANOSECONDS);
        done.await();
        handler.stopped = true; // writes still queued fail when the channel closes: not an error
        channel.close();
        double secs = (at[2] - at[0]) / 1e9;
        long bytes = at[3] - at[1];
        return Results.stream(bytes, secs);
    }

    /** Writes while the channel is writable (Netty's default 32/64 KiB watermarks), counting completed writes. */
    private static final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final byte[] chunk;
        private final AtomicLong written;
        private final ChannelFutureListener counter;
        volatile boolean stopped;

        StreamHandler(byte[] chunk, AtomicLong written) {
            this.chunk = chunk;
            this.written = written;
            this.counter = f -> {
                if (f.isSuccess()) {
                    written.addAndGet(chunk.length);
                } else if (!stopped) {
                    fail(f.cause());
                }
            };
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            fill(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            fill(ctx);
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

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }
    }

    String connect(int port, double warmup, double measure) throws Exception {
        AtomicLong counted = new AtomicLong();
        long[] window = new long[2];
        CountDownLatch done = new CountDownLatch(1);
        boolean[] counting = new boolean[1];
        Bootstrap b = bootstrap(new Noop());
        InetSocketAddress address = new InetSocketAddress(host, port);
        Runnable[] next = new Runnable[1];
        next[0] = () -> b.connect(address).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(f.cause());
            }
            f.channel().close();
            if (counting[0]) {
                counted.incrementAndGet();
            }
            if (done.getCount() > 0) {
                next[0].run();
            }
        });
        io.netty.channel.EventLoop loop = group.next();
        loop.schedule(() -> {
            counting[0] = true;
            window[0] = System.nanoTime();
        }, (long) (warmup * 1e9), TimeUnit.NANOSECONDS);
        loop.schedule(() -> {
            counting[0] = false;
            window[1] = System.nanoTime();
            done.countDown();
        }, (long) ((warmup + measure) * 1e9), TimeUnit.NANOSECONDS);
        loop.execute(next[0]);
        done.await();
        double secs = (window[1] - window[0]) / 1e9;
        return Results.connect(counted.get(), secs);
    }

    String idle(int port, int count) throws Exception {
        // Warm the pooled allocator and the bootstrap path first, so the delta is per connection.
        bootstrap(new Noop()).connect(new InetSocketAddress(host, port)).sync().channel().close().sync();
        long before = HeapProbe.usedAfterGc();
        List<Channel> channels = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            channels.add(bootstrap(new Noop()).connect(new InetSocketAddress(host, port)).sync().channel());
        }
        long after = HeapProbe.usedAfterGc();
        String result = Results.idle(count, before, after);
        for (Channel c : channels) {
            c.close();
        }
        return result;
    }
}
