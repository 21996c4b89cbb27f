package io.github.bufferevent.client;

import io.github.bufferevent.EventBase;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The unsent bytes a client holds and what follows from them: calls reserve their bytes before
 * they are taken, up to {@code max-pending-bytes}; between the write-buffer water marks the client
 * is unwritable, as a Netty channel. Held is queued (in the inbox or pending, in no connection's
 * output yet) plus the connections' output.
 *
 * <p>Threads: any; the handler hears of writability changes on the loop thread, once per change,
 * in the order of the changes.
 */
final class HeldBytes {

    private final String clientName;
    private final EventBase base;
    private final ConnectionPool pool;
    private final UserCallbacks callbacks;
    private final long maxPendingBytes;
    private final long highWaterMark;
    private final long lowWaterMark;

    /** Bytes in the inbox and the pending queue: written but in no connection's output yet. */
    private final AtomicLong queued = new AtomicLong();

    private final Object writabilityLock = new Object();
    private volatile boolean writable = true;
    private volatile CompletableFuture<Void> writableAgain = CompletableFuture.completedFuture(null);
    /** Loop thread: what the handler was last told; it hears of the state as it is when the task runs. */
    private boolean toldWritable = true;
    private final Runnable notifyWritability = this::notifyWritability;

    HeldBytes(ClientSettings settings, ConnectionPool pool, UserCallbacks callbacks) {
        this.clientName = settings.name;
        this.base = settings.base;
        this.pool = pool;
        this.callbacks = callbacks;
        this.maxPendingBytes = settings.maxPendingBytes;
        this.highWaterMark = settings.writeBufferHighWaterMark;
        this.lowWaterMark = settings.writeBufferLowWaterMark;
    }

    /**
     * Reserves {@code bytes} for a call about to be queued: the call may go ahead (null), or it
     * would make the client hold more than {@code max-pending-bytes} (the exception, nothing reserved).
     */
    PendingLimitExceededException reserve(int bytes) {
        while (true) {
            long q = queued.get();
            long held = q + pool.outputBytes();
            if (held + bytes > maxPendingBytes) {
                return new PendingLimitExceededException(clientName, pool.connected() > 0, held, bytes, maxPendingBytes);
            }
            if (queued.compareAndSet(q, q + bytes)) {
                if (held + bytes >= highWaterMark) {
                    changeWritability(false);
                }
                return null;
            }
        }
    }

    /** Loop thread: {@code bytes} left the queue, into a connection's output or dropped. */
    void unqueued(int bytes) {
        queued.addAndGet(-bytes);
    }

    /** Bytes written that no connection's output holds yet. */
    long queued() {
        return queued.get();
    }

    /** Queued plus the connections' output (a request moving into an output may count in both, never in neither). */
    long held() {
        return queued.get() + pool.outputBytes();
    }

    // ------------------------------------------------------------------ writability

    boolean isWritable() {
        return writable;
    }

    /** Waits at most {@code timeout} for the client to be writable; false on timeout, interrupt or close. Not on the loop thread. */
    boolean awaitWritable(Duration timeout) {
        try {
            writableAgain.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** A copy of the future completed when the client is writable. */
    CompletableFuture<Void> whenWritable() {
        return writableAgain.copy();
    }

    /** Loop thread (and at close): writable again once what is held drained to the low mark. */
    void checkWritableAgain() {
        if (!writable && held() <= lowWaterMark) {
            changeWritability(true);
        }
    }

    /** The client closed: whoever waits to write stops waiting. */
    void failWaiters() {
        synchronized (writabilityLock) {
            writableAgain.completeExceptionally(new IllegalStateException("client '" + clientName + "' was closed"));
        }
    }

    private void changeWritability(boolean now) {
        synchronized (writabilityLock) {
            if (writable == now) {
                return;
            }
            writable = now;
            if (now) {
                writableAgain.complete(null);
            } else {
                writableAgain = new CompletableFuture<>();
            }
        }
        try {
            base.execute(notifyWritability);
        } catch (RejectedExecutionException closed) {
            // the base is closed: nobody is left to tell
        }
    }

    private void notifyWritability() {
        boolean now = writable;
        if (now == toldWritable) {
            return; // flipped and flipped back before the loop got here, or already told
        }
        toldWritable = now;
        callbacks.writabilityChanged(now);
    }
}
