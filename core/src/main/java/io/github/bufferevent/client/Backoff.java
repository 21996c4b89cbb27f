package io.github.bufferevent.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays: exponential from {@code initial} by {@code multiplier}, capped at {@code max},
 * spread by {@code jitter} (0.2 = plus or minus 20 %). Immutable; any thread.
 */
final class Backoff {

    final boolean enabled;
    final Duration initial;
    final Duration max;
    final double multiplier;
    final double jitter;

    Backoff(boolean enabled, Duration initial, Duration max, double multiplier, double jitter) {
        if (initial == null || initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("reconnect initial backoff must be greater than 0, was " + initial);
        }
        if (max == null || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("reconnect max backoff must be no shorter than the initial backoff (" + initial + "), was " + max);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("reconnect multiplier must be 1.0 or more, was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("reconnect jitter must be in 0.0..1.0, was " + jitter);
        }
        this.enabled = enabled;
        this.initial = initial;
        this.max = max;
        this.multiplier = multiplier;
        this.jitter = jitter;
    }

    /** The delay before attempt {@code attempt} (1-based), spread at random. */
    long nextDelayNanos(int attempt) {
        return delayNanos(attempt, ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before reconnect attempt {@code attempt} (1-based); {@code random} in [0, 1). */
    long delayNanos(int attempt, double random) {
        double base = initial.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, max.toNanos());
        double spread = 1.0 + jitter * (2 * random - 1);
        return Math.max(1, (long) (capped * spread));
    }
}
