package io.github.bufferevent.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** WARNs on attempts 1, 2, 4, 8, … and, during a long outage, at least once per log interval. */
class RetryLogTest {

    @Test
    void warnsOnPowersOfTwoAndAtLeastOncePerInterval() {
        RetryLog log = new RetryLog(TimeUnit.SECONDS.toNanos(60));
        List<Integer> warned = new ArrayList<>();
        long now = 0;
        for (int attempt = 1; attempt <= 40; attempt++) {
            now += TimeUnit.SECONDS.toNanos(30); // the backoff at its 30 s cap
            if (log.warn(attempt, now)) {
                warned.add(attempt);
            }
        }
        // powers of two, and every 60 s (every second attempt at 30 s apart) in between
        assertThat(warned).startsWith(1, 2, 4, 6, 8, 10, 12, 14, 16, 18);
        for (int i = 1; i < warned.size(); i++) {
            assertThat(warned.get(i) - warned.get(i - 1)).as("gap after attempt %d", warned.get(i - 1)).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void quickRetriesWarnOnlyOnPowersOfTwo() {
        RetryLog log = new RetryLog(TimeUnit.SECONDS.toNanos(60));
        List<Integer> warned = new ArrayList<>();
        for (int attempt = 1; attempt <= 20; attempt++) {
            if (log.warn(attempt, TimeUnit.MILLISECONDS.toNanos(100L * attempt))) {
                warned.add(attempt);
            }
        }
        assertThat(warned).containsExactly(1, 2, 4, 8, 16);
    }
}
