package io.github.bufferevent.client;

import io.github.bufferevent.EventBase;
import java.time.Duration;

/**
 * One timer for a queue of reply deadlines: armed for the earliest deadline the queue holds, at
 * most once at a time; when it fires, the queue fails what is due and arms it for the next.
 *
 * <p>Threads: the loop thread only.
 */
final class DeadlineTimer {

    private final EventBase base;
    private final Runnable fire;
    private boolean armed;

    /** {@code onDue} runs on the loop when the deadline armed for has come (the timer is disarmed by then). */
    DeadlineTimer(EventBase base, Runnable onDue) {
        this.base = base;
        this.fire = () -> {
            armed = false;
            onDue.run();
        };
    }

    /** Arms the timer for {@code deadline} ({@link EventBase#nanoTime}; 0: none) unless it is armed already. */
    void armFor(long deadline) {
        if (deadline == 0 || armed) {
            return;
        }
        armed = true;
        base.once(Duration.ofNanos(Math.max(0, deadline - base.nanoTime())), fire);
    }
}
