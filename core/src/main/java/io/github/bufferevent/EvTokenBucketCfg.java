package io.github.bufferevent;

import java.time.Duration;
import java.util.Objects;

/**
 * libevent's {@code ev_token_bucket_cfg}: the rates and bursts of a token bucket, in bytes per
 * tick, and the tick length. A bucket starts a tick holding the rate, gains the rate at each tick
 * boundary and never holds more than the burst. Give it to {@link BufferEvent#setRateLimit} or
 * {@link BevRateLimitGroup#create}; one configuration may be shared by many. Immutable; any thread.
 */
public final class EvTokenBucketCfg {

    /** The tick when none is given (libevent's default): one second. */
    public static final Duration DEFAULT_TICK = Duration.ofSeconds(1);
    /** The shortest tick (libevent counts ticks in milliseconds). */
    public static final Duration MIN_TICK = Duration.ofMillis(1);
    /** The longest tick, as libevent's ({@code INT_MAX / 1000} seconds). */
    public static final Duration MAX_TICK = Duration.ofSeconds(Integer.MAX_VALUE / 1000);

    private final long readRate;
    private final long readBurst;
    private final long writeRate;
    private final long writeBurst;
    private final Duration tick;
    private final long tickNanos;

    private EvTokenBucketCfg(long readRate, long readBurst, long writeRate, long writeBurst, Duration tick) {
        this.readRate = readRate;
        this.readBurst = readBurst;
        this.writeRate = writeRate;
        this.writeBurst = writeBurst;
        this.tick = tick;
        this.tickNanos = tick.toNanos();
    }

    /**
     * {@code ev_token_bucket_cfg_new()}.
     *
     * @param readRate bytes that may be read per tick, 1 or more
     * @param readBurst most bytes that may be read in one tick, at least {@code readRate}
     * @param writeRate bytes that may be written per tick, 1 or more
     * @param writeBurst most bytes that may be written in one tick, at least {@code writeRate}
     * @param tick the tick length, in {@link #MIN_TICK}..{@link #MAX_TICK}; null for {@link #DEFAULT_TICK}
     * @throws IllegalArgumentException naming the argument and its allowed range
     */
    public static EvTokenBucketCfg create(long readRate, long readBurst, long writeRate, long writeBurst, Duration tick) {
        rate("readRate", readRate);
        burst("readBurst", readBurst, "readRate", readRate);
        rate("writeRate", writeRate);
        burst("writeBurst", writeBurst, "writeRate", writeRate);
        Duration t = tick == null ? DEFAULT_TICK : tick;
        if (t.compareTo(MIN_TICK) < 0 || t.compareTo(MAX_TICK) > 0) {
            throw new IllegalArgumentException("tick must be in " + MIN_TICK.toMillis() + " ms.." + MAX_TICK.getSeconds()
                    + " s (null = 1 s), was " + t);
        }
        return new EvTokenBucketCfg(readRate, readBurst, writeRate, writeBurst, t);
    }

    private static void rate(String name, long rate) {
        if (rate < 1) {
            throw new IllegalArgumentException(name + " must be >= 1 (bytes per tick), was " + rate);
        }
    }

    private static void burst(String name, long burst, String rateName, long rate) {
        if (burst < rate) {
            throw new IllegalArgumentException(name + " must be >= " + rateName + " (" + rate + ") and <= " + Long.MAX_VALUE
                    + ", was " + burst);
        }
    }

    /** Bytes that may be read per tick. */
    public long readRate() {
        return readRate;
    }

    /** Most bytes the read bucket holds. */
    public long readBurst() {
        return readBurst;
    }

    /** Bytes that may be written per tick. */
    public long writeRate() {
        return writeRate;
    }

    /** Most bytes the write bucket holds. */
    public long writeBurst() {
        return writeBurst;
    }

    /** The tick length. */
    public Duration tick() {
        return tick;
    }

    /** The number of the tick {@code nanos} (on the base's clock) falls in. */
    long tickOf(long nanos) {
        return Math.floorDiv(nanos, tickNanos);
    }

    /** Nanoseconds from {@code nanos} to the start of the next tick (at least 1). */
    long untilNextTick(long nanos) {
        return Math.max(1, tickNanos - Math.floorMod(nanos, tickNanos));
    }

    long rate(boolean write) {
        return write ? writeRate : readRate;
    }

    long burst(boolean write) {
        return write ? writeBurst : readBurst;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EvTokenBucketCfg)) {
            return false;
        }
        EvTokenBucketCfg c = (EvTokenBucketCfg) o;
        return readRate == c.readRate && readBurst == c.readBurst && writeRate == c.writeRate && writeBurst == c.writeBurst
                && tickNanos == c.tickNanos;
    }

    @Override
    public int hashCode() {
        return Objects.hash(readRate, readBurst, writeRate, writeBurst, tickNanos);
    }

    @Override
    public String toString() {
        return "EvTokenBucketCfg[read " + readRate + "/" + readBurst + ", write " + writeRate + "/" + writeBurst + " bytes per "
                + tick + "]";
    }
}
