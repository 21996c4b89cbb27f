package io.github.bufferevent.demo;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One load run: {@code messages} exchanges with {@code concurrency} in flight, each reply
 * triggering the next request (no thread blocks). Counters are read by the progress endpoint.
 */
final class LoadRun {

    final long id;
    final String client;
    final long messages;
    final int concurrency;
    final long startNanos = System.nanoTime();
    private final LineExchange exchange;
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong replied = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong micros = new AtomicLong();
    private volatile long endNanos;
    private volatile String lastError;

    LoadRun(long id, LineExchange exchange, long messages, int concurrency) {
        this.id = id;
        this.client = exchange.client().name();
        this.exchange = exchange;
        this.messages = messages;
        this.concurrency = concurrency;
    }

    void start() {
        for (int i = 0; i < concurrency; i++) {
            pump();
        }
    }

    /** Sends until a request is still in flight (its reply sends the next) or all were sent. */
    private void pump() {
        while (true) {
            long n = started.incrementAndGet();
            if (n > messages) {
                return;
            }
            CompletableFuture<LineExchange.Reply> f = exchange.exchange("load " + id + " " + n);
            if (!f.isDone()) {
                f.whenComplete((reply, error) -> {
                    record(reply, error);
                    pump();
                });
                return;
            }
            record(f.getNow(null), f.isCompletedExceptionally() ? failure(f) : null);
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (RuntimeException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    private void record(LineExchange.Reply reply, Throwable error) {
        if (error != null) {
            failed.incrementAndGet();
            lastError = String.valueOf(error.getCause() != null ? error.getCause().getMessage() : error.getMessage());
        } else {
            replied.incrementAndGet();
            micros.addAndGet(reply.micros());
        }
        if (replied.get() + failed.get() == messages) {
            endNanos = System.nanoTime();
        }
    }

    /** A progress snapshot, as JSON. */
    Progress progress() {
        long end = endNanos;
        boolean done = end != 0;
        long elapsed = ((done ? end : System.nanoTime()) - startNanos) / 1_000_000;
        long ok = replied.get();
        return new Progress(id, client, messages, concurrency, Math.min(started.get(), messages), ok, failed.get(), done, elapsed,
                elapsed == 0 ? 0 : ok * 1000 / elapsed, ok == 0 ? 0 : micros.get() / ok, lastError);
    }

    /** What {@code GET /api/loads/{id}} returns. */
    record Progress(long id, String client, long messages, int concurrency, long sent, long replied, long failed, boolean done,
            long elapsedMillis, long repliesPerSecond, long averageMicros, String lastError) {
    }
}
