package io.github.bufferevent.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where a client is in its life, one way only: new, started, closing (its connections drain),
 * closed; and the future of its first connect, which a close fails if it has not come.
 *
 * <p>Threads: any; the moves out of new and into closing are made under one lock, so a
 * concurrent connect and close agree on which came first.
 */
final class Lifecycle {

    static final int NEW = 0;
    static final int STARTED = 1;
    static final int CLOSING = 2;
    static final int CLOSED = 3;

    private final String clientName;
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    private volatile int value = NEW;

    Lifecycle(String clientName) {
        this.clientName = clientName;
    }

    int value() {
        return value;
    }

    /** Closing or closed: writes are refused, nothing reconnects. */
    boolean closing() {
        return value >= CLOSING;
    }

    /**
     * New to started.
     *
     * @return true if the connections are to start now, false if they already were
     * @throws IllegalStateException if the client is closing or closed
     */
    boolean start() {
        synchronized (firstConnect) {
            if (value >= CLOSING) {
                throw new IllegalStateException("client '" + clientName + "' is closed");
            }
            if (value == STARTED) {
                return false;
            }
            value = STARTED;
            return true;
        }
    }

    /**
     * Begins the close: a started client is closing (its connections drain), one never started
     * is closed at once (nothing is left to drain).
     *
     * @return {@link #CLOSING} or {@link #CLOSED}; -1 if the close had begun before
     */
    int beginClose() {
        synchronized (firstConnect) {
            if (value >= CLOSING) {
                return -1;
            }
            value = value == NEW ? CLOSED : CLOSING;
            return value;
        }
    }

    /** The client closed: whoever waits for a first connect that has not come stops waiting. */
    void failFirstConnect() {
        firstConnect.completeExceptionally(new IllegalStateException("client '" + clientName + "' was closed"));
    }

    /** Closed for good: every connection has ended, or the base closed. */
    void closed() {
        value = CLOSED;
    }

    // ------------------------------------------------------------------ the first connect

    /** A connection is up (the first, or again). */
    void connected() {
        firstConnect.complete(null);
    }

    /** A required client's first attempt failed: whoever waits for the first connect learns why. */
    void firstAttemptFailed(Throwable cause) {
        firstConnect.completeExceptionally(cause);
    }

    /** Whether the first connect came (or failed, or the client closed before it). */
    boolean firstConnectDone() {
        return firstConnect.isDone();
    }

    /** The base closed before the first connect came. */
    void baseClosed() {
        firstConnect.completeExceptionally(new IllegalStateException("client '" + clientName + "': the event base closed"));
    }

    /** Waits at most {@code timeout} for the first connect; false if it failed, timed out or was interrupted. */
    boolean awaitFirstConnect(Duration timeout) throws InterruptedException {
        try {
            firstConnect.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** A copy of the first connect's future: completing it does nothing. */
    CompletableFuture<Void> whenFirstConnected() {
        return firstConnect.copy();
    }
}
