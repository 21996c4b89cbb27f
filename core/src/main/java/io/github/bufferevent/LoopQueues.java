package io.github.bufferevent;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * What one {@link EventBase}'s loop runs after the selector's I/O callbacks, in libevent's order:
 * expired timers, tasks handed over from other threads, deferred callbacks, then the end-of-turn
 * flushes. Each phase runs what was there when it began (what a callback adds waits for the next
 * turn; a flush refilled by its write callback gets up to {@link #FLUSH_ROUNDS} rounds), and
 * stops as soon as a break or a close asks the loop to run no further callback: the rest stays
 * queued for the next loop. Deferred callbacks and flushes go through {@link LoopCallback}, so
 * no bufferevent backend is named here.
 *
 * <p>Threads: {@link #addTask}, {@link #withdrawTask}, {@link #pendingTasks()} and
 * {@link #dropTasks()} from any thread; everything else on the loop thread, or while no loop runs.
 */
final class LoopQueues {

    private static final int FLUSH_ROUNDS = 16;

    private final LongSupplier clock;
    private final TimerHeap timers;
    private final LoopStats stats;
    /** Whether a break or a close asks the loop to run no further callback. */
    private final BooleanSupplier stopping;

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingTasks = new AtomicInteger();
    private final ArrayDeque<LoopCallback> deferredQueue = new ArrayDeque<>();
    private final ArrayDeque<LoopCallback> flushQueue = new ArrayDeque<>();

    LoopQueues(LongSupplier clock, TimerHeap timers, LoopStats stats, BooleanSupplier stopping) {
        this.clock = clock;
        this.timers = timers;
        this.stats = stats;
        this.stopping = stopping;
    }

    /** Runs one turn's work, phase after phase. */
    void runTurn() {
        runExpiredTimers();
        runTasks();
        runDeferred();
        runFlushes();
    }

    /** Whether there is work to run at once, without waiting in the selector (timers aside). */
    boolean hasQueuedWork() {
        return pendingTasks.get() > 0 || !deferredQueue.isEmpty() || !flushQueue.isEmpty();
    }

    /** Counts the task, then queues it; the caller wakes the loop. */
    void addTask(Runnable task) {
        pendingTasks.incrementAndGet();
        tasks.offer(task);
    }

    /** Takes back a task that nobody will run (the base closed meanwhile); false if it is gone already. */
    boolean withdrawTask(Runnable task) {
        if (tasks.remove(task)) {
            pendingTasks.decrementAndGet();
            return true;
        }
        return false;
    }

    int pendingTasks() {
        return pendingTasks.get();
    }

    /** The base closes: forgets every task not run yet. */
    void dropTasks() {
        int dropped = pendingTasks.getAndSet(0);
        tasks.clear();
        if (dropped > 0) {
            LoopLog.log(System.Logger.Level.DEBUG, dropped + " tasks were pending when the EventBase closed");
        }
    }

    void queueDeferred(LoopCallback cb) {
        deferredQueue.add(cb);
    }

    void queueFlush(LoopCallback cb) {
        flushQueue.add(cb);
    }

    private void runExpiredTimers() {
        int budget = timers.size();
        long now = clock.getAsLong();
        while (budget-- > 0 && !stopping.getAsBoolean()) {
            TimerHeap.Timer next = timers.peek();
            if (next == null || next.deadline - now > 0) {
                return;
            }
            timers.poll();
            stats.ran();
            EventBase.runSafely(next.task, "timer");
        }
    }

    private void runTasks() {
        int budget = pendingTasks.get();
        while (budget-- > 0 && !stopping.getAsBoolean()) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            pendingTasks.decrementAndGet();
            stats.ran();
            EventBase.runSafely(task, "task");
        }
    }

    private void runDeferred() {
        int budget = deferredQueue.size();
        while (budget-- > 0 && !stopping.getAsBoolean()) {
            LoopCallback cb = deferredQueue.poll();
            stats.ran();
            try {
                cb.runDeferred();
            } catch (Throwable t) { // a plain catch, not runSafely: no lambda on the hot path
                LoopLog.log(System.Logger.Level.ERROR, "deferred callbacks of " + cb + " failed; the loop goes on", t);
            }
        }
    }

    /**
     * Writes the output queued during this turn. A write callback that refills the output queues
     * its bufferevent again; that is served in the same turn, up to {@link #FLUSH_ROUNDS} rounds,
     * instead of costing a selector call per refill. A break stops it like any other callback
     * (a flush may run a write callback); what is still queued stays queued for the next loop.
     */
    private void runFlushes() {
        int budget = flushQueue.size() * FLUSH_ROUNDS;
        while (budget-- > 0 && !stopping.getAsBoolean()) {
            LoopCallback cb = flushQueue.poll();
            if (cb == null) {
                return;
            }
            try {
                cb.flushQueued();
            } catch (Throwable t) { // e.g. a user EvBuffer callback on the output threw
                LoopLog.log(System.Logger.Level.ERROR, "writing the output of " + cb + " failed; the loop goes on", t);
            }
        }
    }
}
