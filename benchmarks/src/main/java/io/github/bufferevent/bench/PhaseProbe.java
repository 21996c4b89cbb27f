package io.github.bufferevent.bench;

import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.Framing;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;

/**
 * Where one blocking request/reply spends its time, for one calling thread on one connection:
 * {@code CLIENT PORT WARMUP_SEC MEASURE_SEC} ({@code CLIENT}: bufferevent, reactor-netty or reactor-netty-nio), printing
 * {@code RESULT {json}} with the median of each phase in microseconds. Timestamps (System.nanoTime)
 * are taken at the same five points for both clients, through their public extension points
 * (our {@code Framing} and {@code Instrumentation}; Netty handlers), never by editing them:
 *
 * <ol>
 * <li>the caller calls ({@code exchange}, or subscribing the request's Mono);
 * <li>the loop thread takes the request (our framing's {@code encode}; a Netty outbound handler's {@code write});
 * <li>the write(2) returned (our {@code bytesWritten}; after the handler's {@code flush});
 * <li>the read(2) of the reply returned (our {@code bytesRead}; the first inbound handler's {@code channelRead});
 * <li>the reply frame is decoded and about to complete the caller's future or sink;
 * <li>the caller returns from its wait.
 * </ol>
 *
 * <p>Phases: {@code handoff} = 2 - 1 (caller to loop thread), {@code write} = 3 - 2, {@code wire} = 4 - 3
 * (kernel, server, both cross-core wake-ups, the loop's wake-up), {@code decode} = 5 - 4, {@code wake}
 * = 6 - 5 (completing the future and the caller thread running again). Apart from these,
 * {@code submit}: from 1 to the caller having handed the request over (returned from
 * {@code exchange}; left the Mono's subscribe callback), the caller's own part of the handoff.
 */
public final class PhaseProbe {

    private static final int PHASES = 5;

    /** Timestamps of the request in flight; one at a time, so one slot each. Written on the loop, read by the caller after its wait. */
    private static volatile long submitted;
    private static volatile long taken;
    private static volatile long written;
    private static volatile long read;
    private static volatile long decoded;

    private PhaseProbe() {
    }

    interface Caller {
        byte[] call(byte[] request) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String impl = args[0];
        int port = Integer.parseInt(args[1]);
        double warmup = Double.parseDouble(args[2]);
        double measure = Double.parseDouble(args[3]);
        if (impl.equals("reactor-netty-nio")) {
            System.setProperty("reactor.netty.native", "false"); // before any Reactor Netty class loads
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep((long) ((warmup + measure) * 1000) + 60_000);
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                // ended in time
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        String result = switch (impl) {
            case "bufferevent" -> ours(port, warmup, measure);
            case "reactor-netty", "reactor-netty-nio" -> reactor(port, warmup, measure);
            default -> throw new IllegalArgumentException("client must be bufferevent, reactor-netty or reactor-netty-nio, was " + impl);
        };
        System.out.println(result);
        System.out.flush();
        System.exit(0);
    }

    private static String ours(int port, double warmup, double measure) throws Exception {
        EventBase base = EventBase.builder().threadName("bufferevent-loop").daemon(true).build().start();
        Framing line = Framing.line(EolStyle.CRLF, 1024);
        Framing stamped = new Framing() {
            @Override
            public void encode(byte[] frame, EvBuffer out) {
                taken = System.nanoTime();
                line.encode(frame, out);
            }

            @Override
            public byte[] decode(EvBuffer in) {
                byte[] frame = line.decode(in);
                if (frame != null) {
                    decoded = System.nanoTime();
                }
                return frame;
            }
        };
        Instrumentation io = new Instrumentation() {
            @Override
            public void bytesWritten(BufferEvent bev, long n) {
                written = System.nanoTime();
            }

            @Override
            public void bytesRead(BufferEvent bev, long n) {
                read = System.nanoTime();
            }
        };
        BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE)
                .instrumentation(io).build();
        BufferEventClient client = BufferEventClient.builder(base, "probe").factory(factory).address("127.0.0.1", port)
                .framing(stamped).replyTimeout(Duration.ofSeconds(5)).build();
        client.connect();
        if (!client.awaitConnected(Duration.ofSeconds(10))) {
            throw new IllegalStateException("not connected: " + client.lastError());
        }
        try {
            return measure(r -> {
                java.util.concurrent.CompletableFuture<byte[]> reply = client.exchange(r);
                submitted = System.nanoTime();
                return reply.get(10, TimeUnit.SECONDS);
            }, warmup, measure);
        } finally {
            client.close();
            base.shutdownGracefully(Duration.ofSeconds(2));
        }
    }

    private static String reactor(int port, double warmup, double measure) throws Exception {
        byte[] crlf = {'\r', '\n'};
        Connection connection = TcpClient.newConnection().host("127.0.0.1").port(port).doOnConnected(c -> {
            c.addHandlerFirst("stamps", new ChannelDuplexHandler() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    read = System.nanoTime();
                    ctx.fireChannelRead(msg);
                }

                @Override
                public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                    taken = System.nanoTime();
                    ctx.write(msg, promise);
                }

                @Override
                public void flush(ChannelHandlerContext ctx) {
                    ctx.flush();
                    written = System.nanoTime();
                }
            });
            c.addHandlerLast("lines", new LineBasedFrameDecoder(1024));
        }).connectNow(Duration.ofSeconds(10));
        java.util.Queue<MonoSink<byte[]>> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();
        connection.inbound().receive().subscribe(buf -> {
            MonoSink<byte[]> sink = waiting.poll();
            if (sink != null) {
                byte[] b = ByteBufUtil.getBytes(buf);
                decoded = System.nanoTime();
                sink.success(b);
            }
        });
        Object lock = new Object();
        try {
            return measure(r -> Mono.<byte[]>create(sink -> {
                synchronized (lock) {
                    waiting.add(sink);
                    connection.outbound().sendObject(Unpooled.wrappedBuffer(r, crlf)).then().subscribe(null, sink::error);
                }
                submitted = System.nanoTime();
            }).block(Duration.ofSeconds(5)), warmup, measure);
        } finally {
            connection.disposeNow(Duration.ofSeconds(2));
        }
    }

    private static String measure(Caller caller, double warmup, double measure) throws Exception {
        byte[] request = new byte[62];
        Arrays.fill(request, (byte) 'x');
        long[][] phases = new long[PHASES + 2][2_000_000];
        int n = 0;
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        long end = warmEnd + (long) (measure * 1e9);
        long now;
        while ((now = System.nanoTime()) < end) {
            request[0] = (byte) ('a' + (n & 15));
            long start = System.nanoTime();
            byte[] reply = caller.call(request);
            long back = System.nanoTime();
            if (!Arrays.equals(reply, request)) {
                throw new IllegalStateException("not the echo");
            }
            long t2 = taken;
            long t3 = written;
            long t4 = read;
            long t5 = decoded;
            long t1 = submitted;
            if (now < warmEnd || t1 < start || t1 > back || !(start <= t2 && t2 <= t3 && t3 <= t4 && t4 <= t5 && t5 <= back) || n == phases[0].length) {
                continue; // warming up, or a stamp from another request (e.g. a second read for one reply)
            }
            phases[0][n] = t2 - start;
            phases[1][n] = t3 - t2;
            phases[2][n] = t4 - t3;
            phases[3][n] = t5 - t4;
            phases[4][n] = back - t5;
            phases[5][n] = back - start;
            phases[6][n] = t1 - start;
            n++;
        }
        String[] names = {"handoffUs", "writeUs", "wireUs", "decodeUs", "wakeUs", "totalUs", "submitUs"};
        StringBuilder sb = new StringBuilder("RESULT {\"samples\":" + n);
        for (int i = 0; i < names.length; i++) {
            long[] v = Arrays.copyOf(phases[i], n);
            Arrays.sort(v);
            sb.append(String.format(Locale.ROOT, ",\"%s\":%.1f", names[i], n == 0 ? 0 : v[n / 2] / 1000.0));
        }
        return sb.append('}').toString();
    }
}
