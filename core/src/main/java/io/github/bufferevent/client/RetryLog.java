package io.github.bufferevent.client;

/**
 * When a failed attempt is logged as a WARN: on attempts 1, 2, 4, 8, … and, while the client
 * stays disconnected, at least once per log interval (so a long outage keeps saying so); the other
 * attempts at DEBUG. Loop thread only.
 */
final class RetryLog {

    private final long intervalNanos;
    private long lastWarnNanos;
    private boolean warned;

    /** {@code intervalNanos}: the longest gap between two WARNs while disconnected. */
    RetryLog(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /** Whether the failed attempt {@code attempt} (1-based) at {@code now} (the base's nanoTime) is a WARN; remembers it if so. */
    boolean warn(int attempt, long now) {
        if (Integer.bitCount(attempt) == 1 || !warned || now - lastWarnNanos >= intervalNanos) {
            warned = true;
            lastWarnNanos = now;
            return true;
        }
        return false;
    }
}
