package io.github.bufferevent.demo;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/stats/history}: the last {@link #KEPT} one-second samples of the dashboard's
 * totals, so its charts open full instead of filling up over the first minute and a half. One
 * daemon thread samples while the application runs; the list is bounded. Any thread reads it.
 */
@RestController
@Component
class StatsHistory implements SmartLifecycle {

    /** Samples kept: the charts' width. */
    static final int KEPT = 90;

    private final StatsTotals totals;
    private final ArrayDeque<StatsTotals.Sample> samples = new ArrayDeque<>(KEPT + 1);
    private ScheduledExecutorService sampler;

    StatsHistory(StatsTotals totals) {
        this.totals = totals;
    }

    @GetMapping("/api/stats/history")
    synchronized List<StatsTotals.Sample> history() {
        return List.copyOf(samples);
    }

    private void sample() {
        StatsTotals.Sample s = totals.now();
        synchronized (this) {
            samples.addLast(s);
            if (samples.size() > KEPT) {
                samples.removeFirst();
            }
        }
    }

    @Override
    public synchronized void start() {
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-stats-history");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::safeSample, 0, 1, TimeUnit.SECONDS);
    }

    private void safeSample() {
        try {
            sample();
        } catch (RuntimeException e) {
            // a meter read failed this second: the next sample tries again (a scheduled task that throws would stop)
        }
    }

    @Override
    public synchronized void stop() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return sampler != null;
    }
}
