package io.github.bufferevent.demo;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One load run: {@code messages} exchanges ({@link BufferEventClient#exchange(String)}, in the
 * client's framing) over one client with {@code concurrency} chains, each reply sending the
 * chain's next request (no thread blocks, nothing is queued beyond one request per chain). It
 * stops sending at the first failure (the connection is gone, the client refused the exchange,
 * or its reply-timeout passed: the rest could only fail too, so they are counted as not sent
 * instead of being tried), when cancelled, and when no reply has come for a whole
 * {@code stallTimeout} while replies are awaited (a client whose reply-timeout is longer, or
 * none). It is done once every chain has ended, or at once when cancelled or stalled (requests
 * still in flight then count as failed). When done, {@code replied + failed + notSent = messages}
 * and the progress no longer changes.
 *
 * <p>Threads: the creating thread calls {@link #start} once; any thread may call {@link #cancel},
 * {@link #isDone} and {@link #progress}. Replies and failures arrive on the loop thread (or on
 * the sending thread when a send fails at once) and the stall check runs on the loop thread;
 * none of them blocks or takes a lock.
 */
final class LoadRun {

    final long id;
    final String client;
    final long messages;
    final int concurrency;
    private final long startNanos = System.nanoTime();
    private final BufferEventClient target;
    private final EventBase base;
    private final Duration stallTimeout;
    private final AtomicLong claimed = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong replied = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong micros = new AtomicLong();
    private final AtomicInteger activeChains;
    private final AtomicReference<String> stopReason = new AtomicReference<>();
    private final AtomicReference<Progress> result = new AtomicReference<>();
    private volatile boolean cancelled;
    private volatile String lastError;
    private long answeredAtLastCheck = -1; // loop thread only

    LoadRun(long id, BufferEventClient client, EventBase base, Duration stallTimeout, long messages, int concurrency) {
        this.id = id;
        this.client = client.name();
        this.target = client;
        this.base = base;
        this.stallTimeout = stallTimeout;
        this.messages = messages;
        this.concurrency = concurrency;
        this.activeChains = new AtomicInteger(concurrency);
    }

    /** Starts the chains and the stall check. */
    void start() {
        armStallCheck();
        for (int i = 0; i < concurrency; i++) {
            pump();
        }
    }

    /**
     * Stops sending and ends the run now; requests in flight count as failed and their replies,
     * if they come, are ignored. Returns false if the run had already ended.
     */
    boolean cancel() {
        if (result.get() != null) {
            return false;
        }
        cancelled = true;
        stop("cancelled");
        return finish();
    }

    boolean isDone() {
        return result.get() != null;
    }

    /** One chain: sends until a request is in flight (its reply continues the chain), the run stops, or all are sent. */
    private void pump() {
        while (true) {
            if (stopReason.get() != null) {
                chainEnded();
                return;
            }
            long n = claimed.incrementAndGet();
            if (n > messages) {
                chainEnded();
                return;
            }
            sent.incrementAndGet();
            long start = System.nanoTime();
            CompletableFuture<String> f;
            try {
                f = target.exchange("load " + id + " " + n);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            if (!f.isDone()) {
                f.whenComplete((reply, error) -> completed(start, error));
                return;
            }
            Throwable error = null;
            try {
                f.getNow(null);
            } catch (CompletionException | CancellationException e) {
                error = e;
            }
            if (!record(start, error)) {
                chainEnded();
                return;
            }
        }
    }

    /** A reply or failure of an in-flight request (on the loop thread): count it and continue the chain. */
    private void completed(long start, Throwable error) {
        try {
            if (record(start, error)) {
                pump();
            } else {
                chainEnded();
            }
        } catch (RuntimeException e) {
            // Never lose a chain silently (a throw here would vanish into the future).
            stop("internal error: " + e);
            chainEnded();
        }
    }

    /** Counts one outcome of the request sent at {@code start}; returns whether the chain goes on. */
    private boolean record(long start, Throwable error) {
        if (error == null) {
            micros.addAndGet((System.nanoTime() - start) / 1_000);
            replied.incrementAndGet();
            return stopReason.get() == null;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        failed.incrementAndGet();
        // The client's messages name a connection or an address; the run's error names the client first.
        String message = "client '" + client + "': " + (cause.getMessage() != null ? cause.getMessage() : cause.toString());
        if (stop(message)) {
            lastError = message;
        }
        return false;
    }

    /** Stops sending for {@code reason}; returns whether this was the first reason. */
    private boolean stop(String reason) {
        return stopReason.compareAndSet(null, reason);
    }

    private void chainEnded() {
        if (activeChains.decrementAndGet() == 0) {
            finish();
        }
    }

    private void armStallCheck() {
        try {
            base.once(stallTimeout, this::checkStall);
        } catch (RejectedExecutionException | IllegalStateException closed) {
            stop("the event loop is closed");
            lastError = "the event loop is closed";
            finish();
        }
    }

    /** Loop thread: ends the run when replies are awaited and none came since the last check. */
    private void checkStall() {
        if (result.get() != null) {
            return;
        }
        long answered = replied.get() + failed.get();
        if (answered == answeredAtLastCheck && sent.get() > answered) {
            String message = "no reply from client '" + client + "' within " + stallTimeout.toMillis() + " ms (demo.exchange-timeout)";
            if (stop(message)) {
                lastError = message;
            }
            finish();
            return;
        }
        answeredAtLastCheck = answered;
        armStallCheck();
    }

    /**
     * Freezes the result once: what was sent but not answered counts as failed, what was never
     * sent as not sent. Returns whether this call froze it.
     */
    private boolean finish() {
        if (result.get() != null) {
            return false;
        }
        long ok = replied.get();
        long out = sent.get(); // read after replied: every reply counted was sent before
        Progress p = progress(out, ok, out - ok, messages - out, true);
        return result.compareAndSet(null, p);
    }

    /** A progress snapshot, as JSON; the final one once the run is done. */
    Progress progress() {
        Progress done = result.get();
        return done != null ? done : progress(sent.get(), replied.get(), failed.get(), 0, false);
    }

    private Progress progress(long sentCount, long ok, long bad, long notSent, boolean done) {
        long elapsed = (System.nanoTime() - startNanos) / 1_000_000;
        return new Progress(id, client, messages, concurrency, sentCount, ok, bad, notSent, done, cancelled, elapsed,
                elapsed == 0 ? 0 : ok * 1000 / elapsed, ok == 0 ? 0 : micros.get() / ok, lastError);
    }

    /**
     * What {@code GET /api/loads/{id}} returns. {@code sent}: requests written so far;
     * {@code failed}: sent without a reply (an error, no reply within the timeout, or in flight
     * when the run was cancelled); {@code notSent}: never sent because the run stopped early.
     */
    record Progress(long id, String client, long messages, int concurrency, long sent, long replied, long failed, long notSent,
            boolean done, boolean cancelled, long elapsedMillis, long repliesPerSecond, long averageMicros, String lastError) {
    }
}
