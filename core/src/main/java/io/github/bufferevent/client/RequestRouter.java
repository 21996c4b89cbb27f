package io.github.bufferevent.client;

import io.github.bufferevent.internal.SafeLogger;
import java.lang.System.Logger.Level;

/**
 * Where each request goes, on the loop: to the connection that takes requests with the fewest
 * in flight, older pending requests first (calls keep the order they returned in), or pending
 * until one does; once the close ran, nowhere (it fails). Also how a request ends: its counts
 * settled first, then its future completed, the exchange listener told.
 *
 * <p>Threads: the loop thread only.
 */
final class RequestRouter {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent.client");

    private final String clientName;
    private final ConnectionPool pool;
    private final HeldBytes held;
    private final Admission admission;
    private final UserCallbacks callbacks;
    private final PendingRequests pending;
    /** The close ran: connections drain and take nothing more. */
    private boolean closed;

    RequestRouter(ClientSettings settings, ConnectionPool pool, HeldBytes held, Admission admission, UserCallbacks callbacks) {
        this.clientName = settings.name;
        this.pool = pool;
        this.held = held;
        this.admission = admission;
        this.callbacks = callbacks;
        this.pending = new PendingRequests(this, settings, held);
    }

    /** To the least busy connection that takes requests, or pending. */
    void process(Request r) {
        if (closed) {
            // Admitted before the close, arrived after the connections began to drain: it cannot be sent.
            if (r.kind == Request.WRITE) {
                LOG.log(Level.WARNING, "client '" + clientName + "' closed: " + r.data.length + " bytes written during the close "
                        + "could not be sent");
            }
            dropQueued(r, new ExchangeRejectedException("client '" + clientName + "' was closed before this was sent"));
            return;
        }
        ClientConnection c = pool.leastBusy();
        if (c == null) {
            pending.add(r);
            return;
        }
        drainPendingInto(c); // older requests first: calls keep the order they returned in
        writeTo(c, r);
    }

    /** Puts what waits for a connection on {@code c}, oldest first, while it takes requests. */
    void drainPendingInto(ClientConnection c) {
        Request r;
        while (c.takesRequests() && (r = pending.poll()) != null) {
            writeTo(c, r);
        }
    }

    private void writeTo(ClientConnection c, Request r) {
        c.write(r);
        held.unqueued(r.data.length); // after: in the output now, so heldBytes() never dips in between
        held.checkWritableAgain(); // the framing may have refused it: nothing reached an output to drain later
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Every request waiting for a connection fails with {@code why}. */
    void failPending(Throwable why) {
        pending.failAll(why);
    }

    /** The client closes: what waits for a connection fails, and nothing more is taken. */
    void close() {
        closed = true;
        failPending(new ExchangeRejectedException("client '" + clientName + "' was closed before this was sent"));
    }

    /** A request leaves the client unsent; its future (if any) fails with {@code why}. */
    void dropQueued(Request r, Throwable why) {
        held.unqueued(r.data.length);
        if (r.isExchange()) {
            admission.released(1); // counts settled before user code runs (writability waiters, the future)
        }
        held.checkWritableAgain();
        if (r.reply != null) {
            complete(r, null, why);
        }
    }

    /** {@code r} will never be answered: its count is settled, then its future (if any) fails with {@code why}. */
    void abandon(Request r, Throwable why) {
        if (r.isExchange()) {
            admission.released(1); // counts settled before the future completes (and runs user code)
        }
        if (r.reply != null) {
            complete(r, null, why);
        }
    }

    /** Completes {@code r}'s future with its reply, or exceptionally; the exchange listener hears of it first. */
    void complete(Request r, byte[] frame, Throwable error) {
        if (r.isExchange()) {
            callbacks.exchangeEnded(r.context, error, r.startNanos);
        }
        if (error == null) {
            r.reply.complete(frame);
        } else {
            r.reply.completeExceptionally(error);
        }
    }
}
