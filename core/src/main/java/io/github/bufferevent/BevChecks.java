package io.github.bufferevent;

import java.util.EnumSet;
import java.util.Objects;

/**
 * The one place where bufferevent settings are checked (watermarks, single read/write sizes,
 * options, ports), for {@link BufferEvent}, {@link BufferEventFactory} and through the factory's
 * builder the Spring starter. Each failure names the argument and what is allowed. Any thread.
 */
final class BevChecks {

    private BevChecks() {
    }

    static void port(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, was " + port);
        }
    }

    /** Read watermarks: both at least 0, low no higher than a non-zero high. */
    static void readWatermark(long low, long high) {
        lowWatermark("read", low);
        if (high < 0) {
            throw new IllegalArgumentException("read high watermark must be >= 0 (0 = unlimited), was " + high);
        }
        if (high > 0 && low > high) {
            throw new IllegalArgumentException("read low watermark " + low + " must not exceed the read high watermark " + high);
        }
    }

    static void lowWatermark(String direction, long low) {
        if (low < 0) {
            throw new IllegalArgumentException(direction + " low watermark must be >= 0, was " + low);
        }
    }

    /** {@code bufferevent_set_max_single_read/write}: 1.. or 0/-1 for the default; returns the effective size. */
    static int singleSize(String name, int size, int dflt) {
        if (size == 0 || size == -1) {
            return dflt;
        }
        if (size < 0) {
            throw new IllegalArgumentException(name + " must be in 1.." + Integer.MAX_VALUE + " (0 or -1 = default), was " + size);
        }
        return size;
    }

    static EnumSet<BevOption> options(BevOption... options) {
        Objects.requireNonNull(options, "options");
        EnumSet<BevOption> set = EnumSet.noneOf(BevOption.class);
        for (BevOption o : options) {
            set.add(Objects.requireNonNull(o, "options must not contain null"));
        }
        return set;
    }
}
