package io.github.bufferevent.demo;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request/reply over a line protocol on one client: each request is one line written, each reply
 * the next CRLF line read, matched first in, first out. Queueing a waiter and writing its line
 * happen together on the loop thread (handed over from request threads), so the order of waiters
 * is the order of the bytes on the wire without a lock that a callback could wait on. A request
 * is exactly one line ({@link LineRequest}), so one waiter stands for one reply; at most
 * {@link #MAX_WAITERS} replies are awaited at once.
 *
 * <p>Threads: {@link #exchange} from any thread; the handler methods and everything touching
 * {@code waiters} on the loop thread. Replies complete on the loop thread.
 */
final class LineExchange implements BufferEventClientHandler {

    /** A reply and how long it took from write to read. */
    record Reply(String line, long micros) {
    }

    /**
     * Most replies awaited at once: every load run's in-flight requests (4 x 1024 by default) and
     * every request thread fit, with room for waiters left by timed-out requests to a slow peer.
     */
    static final int MAX_WAITERS = 16_384;

    private final BufferEventClient client;
    private final EventBase base;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // loop thread only
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
     * Sends {@code request} as one line (see {@link LineRequest}) and returns the reply. The
     * future fails with {@link ClientDisconnectedException} when the client is not connected
     * (at once if it is not connected now), and with {@link TooManyWaitersException} when
     * {@link #MAX_WAITERS} replies are already awaited.
     *
     * @throws LineRequest.InvalidLineException if {@code request} holds a line end of its own
     */
    CompletableFuture<Reply> exchange(String request) {
        byte[] line = LineRequest.encode(request);
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
            if (waiters.size() >= MAX_WAITERS) {
                waiter.completeExceptionally(new TooManyWaitersException(client, MAX_WAITERS));
                return;
            }
            waiters.add(waiter);
            try {
                client.write(line);
            } catch (RuntimeException e) {
                waiters.removeLastOccurrence(waiter);
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
