package io.github.bufferevent;

/**
 * The turn statistics of one {@link EventBase}: turns completed, how long the last, the longest
 * and the current turn took, and how many callbacks the turn in progress ran (what
 * {@link EventBase#LOOP_ONCE} waits for). Each completed turn is reported to the instrumentation.
 * A turn starts when the selector has something for the loop (or when the loop stops waiting)
 * and ends after the end-of-turn flushes; the wait in the selector is not part of it.
 *
 * <p>Threads: the getters {@link #turns()}, {@link #lastTurnNanos()}, {@link #longestTurnNanos()}
 * and {@link #currentTurnNanos()} from any thread (snapshots); everything else on the loop thread.
 */
final class LoopStats {

    private final EventBase base;
    private final Instrumentation instrumentation;

    private volatile long turns;
    private volatile long turnStartNanos;
    private volatile long lastTurnNanos;
    private volatile long longestTurnNanos;
    private long ranThisTurn;

    LoopStats(EventBase base, Instrumentation instrumentation) {
        this.base = base;
        this.instrumentation = instrumentation;
    }

    /** The loop is about to wait in the selector: no turn is in progress, nothing has run. */
    void beforeSelect() {
        ranThisTurn = 0;
        turnStartNanos = 0;
    }

    /** The loop has work: the turn starts now, unless it already has. */
    void markTurnStart() {
        if (turnStartNanos == 0) {
            long now = System.nanoTime();
            turnStartNanos = now == 0 ? 1 : now;
        }
    }

    /** One callback (I/O handler, timer, task, deferred callbacks) ran in this turn. */
    void ran() {
        ranThisTurn++;
    }

    /** Whether this turn ran any callback. */
    boolean ranAny() {
        return ranThisTurn > 0;
    }

    /** The turn is over: records its duration and reports it to the instrumentation. */
    void endTurn() {
        long start = turnStartNanos;
        long duration = System.nanoTime() - start;
        turnStartNanos = 0;
        lastTurnNanos = duration;
        if (duration > longestTurnNanos) {
            longestTurnNanos = duration;
        }
        turns++;
        try {
            instrumentation.loopTurn(base, duration);
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.WARNING, "instrumentation failed", t);
        }
    }

    long turns() {
        return turns;
    }

    long lastTurnNanos() {
        return lastTurnNanos;
    }

    long longestTurnNanos() {
        return longestTurnNanos;
    }

    long currentTurnNanos() {
        long start = turnStartNanos;
        return start == 0 ? 0 : Math.max(0, System.nanoTime() - start);
    }
}
