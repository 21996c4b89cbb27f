package io.github.bufferevent.bench;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.Framing;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * This project's client layer as a service would configure it: one managed {@link EventBase}
 * (one loop thread), a {@link BufferEventClient} with CRLF line framing, {@code poolSize}
 * connections (each exchange goes to the connected one with the fewest in flight, pipelined: the
 * replies on a connection match its requests in order), a 5 s reply timeout. Callers block on
 * {@code exchange(request).get()}; pipelining callers keep the futures of {@code exchange(request)}.
 */
final class BufferEventRr implements RequestReplyMain.Client {

    private final EventBase base;
    private final BufferEventClient client;

    BufferEventRr(int port, int connections) {
        base = EventBase.builder().threadName("bufferevent-loop").daemon(true).build().start();
        client = BufferEventClient.builder(base, "bench").address("127.0.0.1", port).framing(Framing.line(EolStyle.CRLF, 1024))
                .poolSize(connections).maxInFlight(10_000)
                .replyTimeout(Duration.ofSeconds(5)).build();
        client.connect();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        if (!client.awaitConnected(Duration.ofSeconds(10))) {
            throw new IllegalStateException("not connected: " + client.lastError());
        }
        while (client.connectedConnections() < connections) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + client.connectedConnections() + " of " + connections + " connections up");
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public byte[] call(byte[] request) throws Exception {
        return client.exchange(request).get(10, TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<byte[]> callAsync(byte[] request) {
        return client.exchange(request);
    }

    @Override
    public String describe() {
        return "bufferevent: " + client.poolSize() + " pooled connection(s), one loop thread";
    }

    @Override
    public void close() {
        client.close();
        base.shutdownGracefully(Duration.ofSeconds(2));
    }
}
