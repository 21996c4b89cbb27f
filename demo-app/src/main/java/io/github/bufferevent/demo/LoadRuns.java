package io.github.bufferevent.demo;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The load runs started through the API, bounded: at most {@code demo.load.max-concurrent-runs}
 * (default 4) running at once, and the latest {@link #KEPT_FINISHED} finished ones kept so their
 * progress can be read. A running run is never dropped; it ends by itself or by {@link #cancel}.
 * Closing the context cancels every run.
 *
 * <p>Threads: any (request threads). Starting a run takes this object's lock, which no loop
 * callback ever takes; reads take no lock.
 */
@Component
class LoadRuns implements DisposableBean {

    /** Finished runs kept for their progress (running ones are kept regardless). */
    static final int KEPT_FINISHED = 100;

    private final Map<Long, LoadRun> runs = new ConcurrentHashMap<>(); // at most maxRunning + KEPT_FINISHED entries
    private final AtomicLong ids = new AtomicLong();
    private final EventBase base;
    private final Duration stallTimeout;
    private final int maxRunning;

    LoadRuns(EventBase base, @Value("${demo.exchange-timeout:2s}") Duration stallTimeout,
            @Value("${demo.load.max-concurrent-runs:4}") int maxRunning) {
        if (maxRunning < 1) {
            throw new IllegalArgumentException("demo.load.max-concurrent-runs must be at least 1, was " + maxRunning);
        }
        if (stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("demo.exchange-timeout must be positive, was " + stallTimeout);
        }
        this.base = base;
        this.stallTimeout = stallTimeout;
        this.maxRunning = maxRunning;
    }

    /**
     * Starts a run of {@code messages} exchanges on {@code client}, {@code concurrency} at a time.
     *
     * @throws TooManyRunsException if {@code demo.load.max-concurrent-runs} runs are running
     */
    LoadRun start(BufferEventClient client, long messages, int concurrency) {
        LoadRun run;
        synchronized (this) {
            if (running() >= maxRunning) {
                throw new TooManyRunsException(maxRunning);
            }
            run = new LoadRun(ids.incrementAndGet(), client, base, stallTimeout, messages, concurrency);
            runs.put(run.id, run);
            dropOldFinished();
        }
        run.start(); // it counts as running from here on: no second caller can pass the limit meanwhile
        return run;
    }

    /** The run {@code id}; NoSuchElementException if there is none (never started, or finished long ago). */
    LoadRun get(long id) {
        LoadRun run = runs.get(id);
        if (run == null) {
            throw new NoSuchElementException("no load run " + id);
        }
        return run;
    }

    /** Cancels run {@code id} (no effect if it has ended) and returns it. */
    LoadRun cancel(long id) {
        LoadRun run = get(id);
        run.cancel();
        return run;
    }

    /** Every kept run, newest first. */
    Collection<LoadRun.Progress> progress() {
        return runs.values().stream().map(LoadRun::progress).sorted(Comparator.comparingLong(LoadRun.Progress::id).reversed())
                .toList();
    }

    private long running() {
        return runs.values().stream().filter(r -> !r.isDone()).count();
    }

    /** Lock held: forgets the oldest finished runs beyond {@link #KEPT_FINISHED}. */
    private void dropOldFinished() {
        long finished = runs.size() - running();
        if (finished <= KEPT_FINISHED) {
            return;
        }
        runs.values().stream().filter(LoadRun::isDone).map(r -> r.id).sorted().limit(finished - KEPT_FINISHED).toList()
                .forEach(runs::remove);
    }

    @Override
    public void destroy() {
        runs.values().forEach(LoadRun::cancel);
    }
}
