package io.github.bufferevent.bench;

import java.util.Arrays;

/** Round-trip latencies in nanoseconds, stored in a preallocated array; percentiles by sorting at the end. */
final class LatencyRecorder {

    private final long[] samples;
    private int stored;
    private long count;
    volatile boolean recording;

    LatencyRecorder(int capacity) {
        samples = new long[capacity];
    }

    void record(long nanos) {
        if (!recording) {
            return;
        }
        count++;
        if (stored < samples.length) {
            samples[stored++] = nanos;
        }
    }

    long count() {
        return count;
    }

    /** The samples stored so far (a copy), for merging the recorders of several threads. */
    long[] samples() {
        return Arrays.copyOf(samples, stored);
    }

    /** {@code RESULT {...}} for a ping-pong run of {@code seconds}. */
    String result(double seconds) {
        long[] s = Arrays.copyOf(samples, stored);
        Arrays.sort(s);
        double p50 = s.length == 0 ? 0 : s[(int) Math.min(s.length - 1, Math.floor(s.length * 0.50))] / 1000.0;
        double p99 = s.length == 0 ? 0 : s[(int) Math.min(s.length - 1, Math.floor(s.length * 0.99))] / 1000.0;
        return String.format(java.util.Locale.ROOT, "RESULT {\"roundTrips\":%d,\"seconds\":%.3f,\"perSec\":%.0f,\"p50us\":%.1f,\"p99us\":%.1f}",
                count, seconds, count / seconds, p50, p99);
    }
}
