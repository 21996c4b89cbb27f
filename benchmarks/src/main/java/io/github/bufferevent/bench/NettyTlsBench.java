package io.github.bufferevent.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty 4.2's TLS client for each TLS workload: NIO transport, one event-loop thread, pooled
 * direct buffers, TCP_NODELAY, and {@code SslHandler} from {@code SslContextBuilder.forClient()} on
 * the JDK provider ({@link TlsClientConfig}), made with {@code newHandler(alloc, host, port)}: its
 * defaults, delegated tasks run on the event loop. Main thread only (the handlers on the loop).
 */
final class NettyTlsBench {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final SslContext context;
    private final InetSocketAddress address;

    NettyTlsBench(TlsClientConfig config, int port) throws IOException {
        this.context = config.nettyContext();
        this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private Bootstrap bootstrap(ChannelHandler handler) {
        return new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT).handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc(), TlsClientConfig.SERVER_NAME, address.getPort()));
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

    /** Runs {@code first} at warm-up's end and {@code last} at the end of the measured window, then returns. */
    private void window(EventLoop loop, Runnable first, Runnable last, double warmup, double measure) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        loop.schedule(first, (long) (warmup * 1e9), TimeUnit.NANOSECONDS);
        loop.schedule(() -> {
            last.run();
            done.countDown();
        }, (long) ((warmup + measure) * 1e9), TimeUnit.NANOSECONDS);
        done.await();
    }

    String pingpong(int size, double warmup, double measure) throws Exception {
        LatencyRecorder latencies = new LatencyRecorder(5_000_000);
        Channel channel = bootstrap(new PingPongHandler(latencies, new byte[size])).connect(address).sync().channel();
        long[] at = new long[4];
        window(channel.eventLoop(), () -> {
            latencies.recording = true;
            at[0] = System.nanoTime();
            at[2] = ProcessCpu.nanos();
        }, () -> {
            latencies.recording = false;
            at[1] = System.nanoTime();
            at[3] = ProcessCpu.nanos();
        }, warmup, measure);
        String result = ProcessCpu.withCpu(latencies.result((at[1] - at[0]) / 1e9), at[2], at[3]);
        channel.close();
        return result;
    }

    /** Keeps one message in flight from the end of the handshake on. */
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
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    fail(e.cause());
                }
                send(ctx);
            }
            ctx.fireUserEventTriggered(evt);
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
                latencies.record(System.nanoTime() - sentAt);
                send(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }
    }

    /**
     * The window is timed from this (main) thread: while SslHandler streams, the event loop runs
     * its scheduled tasks late (seconds late in trial runs), which would cut the window short.
     */
    String stream(int size, double warmup, double measure) throws Exception {
        AtomicLong written = new AtomicLong();
        StreamHandler handler = new StreamHandler(new byte[size], written);
        Channel channel = bootstrap(handler).connect(address).sync().channel();
        long start = System.nanoTime();
        long[] at = new long[6];
        sleepUntil(start + (long) (warmup * 1e9));
        at[0] = System.nanoTime();
        at[1] = written.get();
        at[4] = ProcessCpu.nanos();
        sleepUntil(start + (long) ((warmup + measure) * 1e9));
        at[2] = System.nanoTime();
        at[3] = written.get();
        at[5] = ProcessCpu.nanos();
        handler.stopped = true; // writes still queued fail when the channel closes: not an error
        channel.close();
        return ProcessCpu.withCpu(Results.stream(at[3] - at[1], (at[2] - at[0]) / 1e9), at[4], at[5]);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** From the end of the handshake, writes while the channel is writable (32/64 KiB watermarks), counting completed writes. */
    private static final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final byte[] chunk;
        private final ChannelFutureListener counter;
        private boolean started;
        volatile boolean stopped;

        StreamHandler(byte[] chunk, AtomicLong written) {
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
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    fail(e.cause());
                }
                started = true;
                fill(ctx);
            }
            ctx.fireUserEventTriggered(evt);
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

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }
    }

    /** Connect, full handshake, close (close_notify, then the socket), one at a time; counts completed handshakes. */
    String handshake(double warmup, double measure) throws Exception {
        AtomicLong counted = new AtomicLong();
        boolean[] counting = new boolean[1];
        boolean[] done = new boolean[1];
        Bootstrap b = bootstrap(null);
        Runnable[] next = new Runnable[1];
        // Once done, the connection in flight is closed by the group's shutdown: its failure is not an error.
        next[0] = () -> b.connect(address).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (done[0]) {
                    return;
                }
                fail(f.cause());
            }
            Channel ch = f.channel();
            ch.pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    if (done[0]) {
                        return;
                    }
                    fail(h.cause());
                }
                ch.close();
                if (counting[0]) {
                    counted.incrementAndGet();
                }
                if (!done[0]) {
                    next[0].run();
                }
            });
        });
        EventLoop loop = group.next();
        long[] at = new long[4];
        loop.execute(next[0]);
        window(loop, () -> {
            counting[0] = true;
            at[0] = System.nanoTime();
            at[2] = ProcessCpu.nanos();
        }, () -> {
            counting[0] = false;
            done[0] = true;
            at[1] = System.nanoTime();
            at[3] = ProcessCpu.nanos();
        }, warmup, measure);
        return ProcessCpu.withCpu(Results.handshake(counted.get(), (at[1] - at[0]) / 1e9), at[2], at[3]);
    }
}
