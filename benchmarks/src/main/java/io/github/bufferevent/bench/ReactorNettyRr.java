package io.github.bufferevent.bench;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.netty.Connection;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpClient;

/**
 * Reactor Netty 1.3's {@link TcpClient} as its users write a request/reply client over a line
 * protocol: {@code connections} persistent connections (default {@code TcpResources} loops: native
 * epoll, {@code max(CPUs, 4)} event-loop threads), a {@link LineBasedFrameDecoder} added on connect,
 * requests written through the connection's {@code NettyOutbound}, and each connection's inbound
 * flux completing the oldest waiting request (pipelined: replies come in request order). Requests
 * go to the connections round-robin. Callers block on the request's {@code Mono}; pipelining
 * callers subscribe with {@code toFuture()}. With
 * {@code -Dreactor.netty.native=false} (client {@code reactor-netty-nio}) the same code runs on Netty's
 * NIO transport, the JDK selector ours uses: a reference that separates transport from client.
 */
final class ReactorNettyRr implements RequestReplyMain.Client {

    private static final byte[] CRLF = {'\r', '\n'};

    private final List<Pipe> pipes = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    ReactorNettyRr(int port, int connections) {
        TcpClient client = TcpClient.newConnection().host("127.0.0.1").port(port)
                .doOnConnected(c -> c.addHandlerLast("lines", new LineBasedFrameDecoder(1024)));
        for (int i = 0; i < connections; i++) {
            pipes.add(new Pipe(client.connectNow(Duration.ofSeconds(10))));
        }
    }

    /** One connection: the requests on its wire in order, and the lock that keeps that order the wire order. */
    private static final class Pipe {
        final Connection connection;
        final Queue<MonoSink<byte[]>> waiting = new ConcurrentLinkedQueue<>();

        Pipe(Connection connection) {
            this.connection = connection;
            connection.inbound().receive().subscribe(line -> {
                MonoSink<byte[]> sink = waiting.poll();
                if (sink != null) {
                    sink.success(ByteBufUtil.getBytes(line));
                }
            }, error -> failAll(error), () -> failAll(new IllegalStateException("connection closed")));
        }

        void failAll(Throwable error) {
            MonoSink<byte[]> sink;
            while ((sink = waiting.poll()) != null) {
                sink.error(error);
            }
        }

        Mono<byte[]> exchange(byte[] request) {
            return Mono.create(sink -> {
                synchronized (this) {
                    waiting.add(sink);
                    connection.outbound().sendObject(Unpooled.wrappedBuffer(request, CRLF)).then().subscribe(null, sink::error);
                }
            });
        }
    }

    @Override
    public byte[] call(byte[] request) {
        return nextPipe().exchange(request).block(Duration.ofSeconds(5));
    }

    @Override
    public CompletableFuture<byte[]> callAsync(byte[] request) {
        // No per-request timeout operator (a scheduled task per request would slow it): the caller's
        // window bounds the wait instead.
        return nextPipe().exchange(request).toFuture();
    }

    private Pipe nextPipe() {
        return pipes.get(Math.floorMod(next.getAndIncrement(), pipes.size()));
    }

    @Override
    public String describe() {
        return "reactor-netty: " + pipes.size() + " persistent connection(s) round-robin, " + LoopResources.DEFAULT_IO_WORKER_COUNT
                + " event-loop threads, " + (LoopResources.DEFAULT_NATIVE ? "native epoll" : "NIO") + " transport";
    }

    @Override
    public void close() {
        for (Pipe p : pipes) {
            p.connection.disposeNow(Duration.ofSeconds(2));
        }
    }
}
