package io.github.bufferevent.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import io.github.bufferevent.EventBase;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Watches the loop thread from a daemon thread: a turn still running after
 * {@code bufferevent.event-base.blocked-threshold} is reported once with a WARN carrying the loop
 * thread's stack, taken while it is still blocked (as Vert.x's blocked-thread checker does).
 * Warnings are rate-limited to one per 10 seconds; every blocked turn is counted.
 */
public final class EventLoopWatchdog implements AutoCloseable {

    private static final Log LOG = LogFactory.getLog(EventLoopWatchdog.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final EventBase base;
    private final long thresholdNanos;
    private final ScheduledExecutorService timer;
    private final AtomicLong blockedTurns = new AtomicLong();
    private volatile LongConsumer listener = n -> { };
    private long reportedTurn = -1;
    private long lastWarnNanos;
    private long suppressed;

    EventLoopWatchdog(EventBase base, Duration threshold) {
        this.base = base;
        this.thresholdNanos = threshold.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bufferevent-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, thresholdNanos / 4);
        timer.scheduleAtFixedRate(this::check, period, period, TimeUnit.NANOSECONDS);
    }

    /** Turns that ran longer than the threshold so far. Any thread. */
    public long blockedTurns() {
        return blockedTurns.get();
    }

    /** The threshold. */
    public Duration threshold() {
        return Duration.ofNanos(thresholdNanos);
    }

    /** Called (on the watchdog thread) with the running total each time a blocked turn is found. */
    public void onBlocked(LongConsumer listener) {
        this.listener = listener;
    }

    private void check() {
        try {
            long running = base.currentTurnNanos();
            long turn = base.turns();
            if (running <= thresholdNanos || turn == reportedTurn) {
                return;
            }
            reportedTurn = turn;
            long total = blockedTurns.incrementAndGet();
            listener.accept(total);
            long now = System.nanoTime();
            if (lastWarnNanos != 0 && now - lastWarnNanos < WARN_INTERVAL_NANOS) {
                suppressed++;
                return;
            }
            lastWarnNanos = now;
            Thread loop = base.loopThread();
            Throwable stack = new Throwable("stack of the blocked loop thread");
            if (loop != null) {
                stack.setStackTrace(loop.getStackTrace());
            }
            String more = suppressed > 0 ? " (" + suppressed + " more blocked turns were not logged)" : "";
            suppressed = 0;
            LOG.warn("bufferevent loop thread '" + (loop == null ? "?" : loop.getName())
                    + "' has been blocked for " + TimeUnit.NANOSECONDS.toMillis(running) + " ms (threshold "
                    + TimeUnit.NANOSECONDS.toMillis(thresholdNanos) + " ms): a callback must not block" + more, stack);
        } catch (Throwable t) {
            LOG.debug("watchdog check failed", t);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
