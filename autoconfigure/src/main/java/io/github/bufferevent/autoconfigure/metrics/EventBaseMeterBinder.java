package io.github.bufferevent.autoconfigure.metrics;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.EventLoopWatchdog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/** Binds the event loop's gauges and the watchdog's blocked-turn counter. */
final class EventBaseMeterBinder implements MeterBinder {

    private final EventBase base;
    private final EventLoopWatchdog watchdog;

    EventBaseMeterBinder(EventBase base, EventLoopWatchdog watchdog) {
        this.base = base;
        this.watchdog = watchdog;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(BufferEventMeters.TASKS_PENDING, base, EventBase::pendingTasks)
                .description("Tasks handed to the event loop and not yet run").register(registry);
        if (watchdog != null) {
            Counter blocked = Counter.builder(BufferEventMeters.BLOCKED)
                    .description("Event loop turns longer than bufferevent.event-base.blocked-threshold").register(registry);
            double already = watchdog.blockedTurns();
            if (already > 0) {
                blocked.increment(already);
            }
            watchdog.onBlocked(total -> blocked.increment());
        }
    }
}
