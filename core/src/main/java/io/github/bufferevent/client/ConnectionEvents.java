package io.github.bufferevent.client;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.client.BufferEventClient.PendingPolicy;
import io.github.bufferevent.internal.SafeLogger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * What a client does as its connections come up, go down and retry: it counts them up, completes
 * (or, when {@code required}, fails) the first connect, moves pending requests onto a connection
 * that came up, fails them when a retry is scheduled under {@link PendingPolicy#REJECT}, keeps
 * the reconnect count and the last error, logs, tells the handler, and ends a close once the
 * last connection has ended.
 *
 * <p>Threads: the loop thread; the reconnect count and the last error are volatile snapshots for any.
 */
final class ConnectionEvents {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent.client");

    private final ClientSettings settings;
    private final Lifecycle lifecycle;
    private final ConnectionPool pool;
    private final RequestRouter router;
    private final HeldBytes held;
    private final UserCallbacks callbacks;
    private final ClientShutdown shutdown;
    private final RetryLog retryLog;

    private volatile long reconnects;
    private volatile Throwable lastError;
    private volatile Instant lastErrorAt;

    ConnectionEvents(ClientSettings settings, Lifecycle lifecycle, ConnectionPool pool, RequestRouter router, HeldBytes held,
            UserCallbacks callbacks, ClientShutdown shutdown) {
        this.settings = settings;
        this.lifecycle = lifecycle;
        this.pool = pool;
        this.router = router;
        this.held = held;
        this.callbacks = callbacks;
        this.shutdown = shutdown;
        this.retryLog = new RetryLog(settings.reconnectLogIntervalNanos);
    }

    long reconnects() {
        return reconnects;
    }

    Throwable lastError() {
        return lastError;
    }

    Instant lastErrorAt() {
        return lastErrorAt;
    }

    void up(ClientConnection c, int failedBefore) {
        pool.up();
        if (failedBefore > 0 || lifecycle.firstConnectDone()) {
            reconnects++;
            LOG.log(Level.INFO, "client '" + settings.name + "' connection " + c.index + " connected to " + c.remoteAddress
                    + " after " + failedBefore + " failed attempts");
        }
        router.drainPendingInto(c);
        lifecycle.connected();
        if (lifecycle.closing()) {
            // close() was called. Its task on the loop is queued behind the calls made before it (a
            // caller woken by the first connect above may write and close at once): that task hands
            // those calls to this connection, then closes it. Closing it here would leave them no
            // connection to go to, and they would be dropped. (If the base refused that task, the
            // base is closing, and its close frees this connection with every other bufferevent.)
            return;
        }
        callbacks.connected();
    }

    void down(ClientConnection c, int events, Throwable cause, long unsent, boolean wasConnected) {
        if (wasConnected) {
            pool.down();
        }
        if (cause != null) {
            lastError = cause;
            lastErrorAt = Instant.now();
        }
        if (!wasConnected && settings.required && !lifecycle.firstConnectDone() && cause != null) {
            lifecycle.firstAttemptFailed(cause);
        }
        if (wasConnected && unsent > 0) {
            LOG.log(Level.WARNING, "client '" + settings.name + "' lost connection " + c.index + " with " + unsent
                    + " bytes not yet sent (" + describe(events, cause) + ")");
        }
        held.checkWritableAgain();
        if (wasConnected && events != 0) {
            callbacks.disconnected(events, cause, unsent);
        }
        if (lifecycle.closing()) {
            shutdown.endIfAllClosed();
        }
    }

    void retryScheduled(ClientConnection c, boolean wasConnected, int attempt, long delayNanos, int events, Throwable cause) {
        if (!wasConnected && pool.connected() == 0 && router.hasPending() && settings.pendingPolicy == PendingPolicy.REJECT) {
            router.failPending(new ExchangeRejectedException("client '" + settings.name + "' is not connected"));
        }
        String message = "client '" + settings.name + "' " + (wasConnected ? "lost its connection to " : "cannot connect to ")
                + c.target + " (" + describe(events, cause) + "); retrying in " + TimeUnit.NANOSECONDS.toMillis(delayNanos)
                + " ms (attempt " + attempt + ")";
        if (retryLog.warn(attempt, settings.base.nanoTime())) {
            LOG.log(Level.WARNING, message);
        } else if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, message);
        }
    }

    private static String describe(int events, Throwable cause) {
        return BevEvent.toString(events) + (cause == null ? "" : ": " + cause);
    }
}
