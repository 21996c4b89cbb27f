package io.github.bufferevent;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One graceful shutdown of an {@link EventBase} ({@link EventBase#shutdownGracefully}): listeners
 * stop accepting and every live bufferevent drains its output, until none is left or the deadline
 * passes; then the loop is asked to return, and the base closes. Also the caller's side of ending
 * a base: the bounded waits, and closing a base whose loop thread is stuck in a callback.
 *
 * <p>Threads: {@link #begin()}, {@link #superseded()} and {@link #check()} on the loop thread;
 * {@link #run}, {@link #closeWithoutTheLoop} and the waits on a thread waiting for the base to
 * close (never its loop thread); {@link #baseClosed()} from any thread.
 */
final class GracefulShutdown {

    /** How long past its timeout a shutdown waits for a loop that should have returned at once. */
    private static final long STUCK_LOOP_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final EventBase base;
    private final LiveSet live;
    /** On the base's clock: when the drain ends, drained or not. */
    private final long deadline;
    /** On {@link System#nanoTime()}: when the caller stops waiting for the loop. */
    private final long giveUpAt;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean drained;

    GracefulShutdown(EventBase base, LiveSet live, long timeoutNanos) {
        this.base = base;
        this.live = live;
        this.deadline = base.now() + timeoutNanos;
        this.giveUpAt = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 4) + STUCK_LOOP_GRACE_NANOS;
    }

    /** Loop thread: starts the drain, and makes sure the loop wakes up by the deadline. */
    void begin() {
        live.startShutdown();
        base.schedule(new TimerHeap.Timer(() -> { }), Math.max(0, deadline - base.now()));
        check();
    }

    /** Loop thread: another shutdown was already under way; this one has nothing to drain. */
    void superseded() {
        drained = true;
        done.countDown();
    }

    /** Loop thread, at the end of every turn: once nothing is left to drain, or time is up, asks the loop to return. */
    void check() {
        long pendingBytes = 0;
        int pendingEvents = 0;
        for (BufferEvent bev : live.bufferEvents()) {
            if (bev.shutdownFlushPending()) {
                pendingEvents++;
                pendingBytes += bev.bufferedOutput();
            }
        }
        boolean expired = base.now() - deadline >= 0;
        if (pendingEvents > 0 && !expired) {
            return;
        }
        drained = pendingEvents == 0;
        if (!drained) {
            LoopLog.log(System.Logger.Level.WARNING, "graceful shutdown timed out: " + pendingBytes
                    + " bytes of pending output in " + pendingEvents + " bufferevents are discarded");
        }
        base.requestClose();
        done.countDown();
    }

    /** The base closed, however: nobody waits for the drain any longer. */
    void baseClosed() {
        done.countDown();
    }

    /**
     * The caller's side: hands the shutdown to the loop, then runs the loop here if nobody else
     * does, or else waits until the loop has ended the drain and the base is closed, but never
     * much past the timeout. A loop thread that does not return in time is left behind and the
     * base is closed without it.
     *
     * @param during what the caller is doing, for the log
     * @return whether every pending byte was written before the deadline
     */
    boolean run(String during) {
        boolean nobodyRunsTheLoop = base.nobodyRunsTheLoop();
        try {
            // Handed over in both cases, so tasks handed over before this call still run first.
            base.execute(() -> base.beginShutdown(this));
        } catch (RejectedExecutionException alreadyClosing) {
            if (nobodyRunsTheLoop) {
                base.closeResources(true);
            } else {
                base.awaitClosed(giveUpAt);
            }
            return true;
        }
        if (nobodyRunsTheLoop) {
            base.loop(EventBase.LOOP_NO_EXIT_ON_EMPTY); // runs here until the drain ends, then closes the base
            return drained;
        }
        // The loop ends the drain by the deadline (drained or not), then returns and closes the
        // base. Wait for all of it, so the caller finds the base closed, whoever runs its loop.
        awaitUntil(done, giveUpAt);
        base.awaitClosed(giveUpAt);
        if (!base.isClosed()) {
            closeWithoutTheLoop(base, during);
            return false;
        }
        Thread t = base.managedThread();
        if (t != null) {
            joinQuietly(t, Duration.ofNanos(Math.max(1_000_000, giveUpAt - System.nanoTime())));
        }
        return drained;
    }

    /**
     * The loop thread did not return in time: it is stuck in user code (a callback that blocks).
     * Close the base from this thread so that shutdown stays bounded; the stuck thread is
     * interrupted and, should it ever come back, finds the base closed and ends.
     */
    static void closeWithoutTheLoop(EventBase base, String during) {
        base.requestClose();
        Thread t = base.loopThread();
        StringBuilder where = new StringBuilder();
        if (t != null) {
            for (StackTraceElement e : t.getStackTrace()) {
                where.append("\n\tat ").append(e);
            }
        }
        LoopLog.log(System.Logger.Level.ERROR, "the loop thread '" + (t == null ? "?" : t.getName()) + "' of " + base
                + " did not return during " + during + " (a callback blocks?); closing the base without it. It was at:"
                + where);
        // The stuck thread holds the selector's lock (callbacks run inside select), so
        // Selector.close() would wait for it: close the selector on a thread of its own.
        base.closeResources(false);
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
    }

    /** Waits for {@code latch} until {@code deadlineNanos} (on {@link System#nanoTime()}); keeps an interrupt. */
    static void awaitUntil(CountDownLatch latch, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        try {
            if (left > 0) {
                latch.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for {@code latch} at most {@code timeout}; keeps an interrupt. */
    static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for {@code t} to end at most {@code timeout}; keeps an interrupt. */
    static void joinQuietly(Thread t, Duration timeout) {
        try {
            t.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
