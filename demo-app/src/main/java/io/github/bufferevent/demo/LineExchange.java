package io.github.bufferevent.demo;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClientHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request/reply over a line protocol on one client: each request is one line written, each reply
 * the next CRLF line read, matched first in, first out. Queueing a waiter and writing its line
 * happen together on the loop thread (handed over from request threads), so the order of waiters
 * is the order of the bytes on the wire without a lock that a callback could wait on.
 * Replies complete on the loop thread.
 */
final class LineExchange implements BufferEventClientHandler {

    /** A reply and how long it took from write to read. */
    record Reply(String line, long micros) {
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private final BufferEventClient client;
    private final EventBase base;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicLong unmatched = new AtomicLong();

    private static final class Waiter extends CompletableFuture<Reply> {
        final long startNanos = System.nanoTime();
    }

    LineExchange(BufferEventClient client, EventBase base) {
        this.client = client;
        this.base = base;
    }

    BufferEventClient client() {
        return client;
    }

    /**
     * Sends {@code request} (adding CRLF unless it already ends a line) and returns the reply.
     * Fails at once with {@link ClientDisconnectedException} when the client is not connected.
     */
    CompletableFuture<Reply> exchange(String request) {
        byte[] body = request.getBytes(StandardCharsets.UTF_8);
        boolean endsLine = request.endsWith("\n");
        Waiter waiter = new Waiter();
        if (!client.isConnected()) {
            waiter.completeExceptionally(new ClientDisconnectedException(client));
            return waiter;
        }
        Runnable send = () -> {
            if (!client.isConnected()) {
                waiter.completeExceptionally(new ClientDisconnectedException(client));
                return;
            }
            waiters.add(waiter);
            try {
                client.write(body);
                if (!endsLine) {
                    client.write(CRLF);
                }
            } catch (RuntimeException e) {
                waiters.remove(waiter);
                waiter.completeExceptionally(e);
            }
        };
        if (base.inLoopThread()) {
            send.run();
        } else {
            base.execute(send);
        }
        return waiter;
    }

    /** Replies that arrived with nobody waiting (for example after a timed-out request was dropped). */
    long unmatched() {
        return unmatched.get();
    }

    @Override
    public void onRead(BufferEventClient c, EvBuffer input) {
        String line;
        while ((line = input.readLine(EolStyle.CRLF)) != null) {
            Waiter w = waiters.poll();
            if (w == null) {
                unmatched.incrementAndGet();
            } else {
                w.complete(new Reply(line, (System.nanoTime() - w.startNanos) / 1_000));
            }
        }
    }

    @Override
    public void onDisconnected(BufferEventClient c, int events, Throwable cause, long unsentBytes) {
        // Replies in flight will never come: fail their waiters so the queue lines up again.
        ClientDisconnectedException gone = new ClientDisconnectedException(c, BevEvent.toString(events), cause);
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.completeExceptionally(gone);
        }
    }
}
