package io.github.bufferevent;

/**
 * libevent's {@code ev_token_bucket}: what a read and a write bucket hold now, refilled lazily
 * from the tick number (the rate for each tick passed, up to the burst). A level may go below
 * zero: a read or write took more than was left, and later ticks pay it back. Written on the
 * loop thread only; any thread may read a snapshot ({@link #levelAt}).
 */
final class TokenBucket {

    private volatile long read;
    private volatile long write;
    private volatile long lastTick;

    /** {@code ev_token_bucket_init_}: a new bucket holds one tick's rate. */
    void init(EvTokenBucketCfg cfg, long tick) {
        read = cfg.readRate();
        write = cfg.writeRate();
        lastTick = tick;
    }

    /**
     * A new configuration for a bucket in use: refilled up to now under the old one, then clipped
     * to the new bursts (never raised: this tick's bandwidth may be spent), ticks counted in the
     * new length from now on.
     */
    void reconfigure(EvTokenBucketCfg old, EvTokenBucketCfg cfg, long nowNanos) {
        update(old, old.tickOf(nowNanos));
        read = Math.min(read, cfg.readBurst());
        write = Math.min(write, cfg.writeBurst());
        lastTick = cfg.tickOf(nowNanos);
    }

    /** {@code ev_token_bucket_update_}: adds the rate of every tick since the last update. */
    void update(EvTokenBucketCfg cfg, long tick) {
        long ticks = tick - lastTick;
        if (ticks <= 0) {
            return; // same tick, or the clock went back
        }
        read = refilled(read, cfg.readRate(), cfg.readBurst(), ticks);
        write = refilled(write, cfg.writeRate(), cfg.writeBurst(), ticks);
        lastTick = tick;
    }

    long level(boolean forWrite) {
        return forWrite ? write : read;
    }

    /** Takes {@code n} bytes out (the level may go negative); returns the new level. */
    long take(boolean forWrite, long n) {
        if (forWrite) {
            return write -= n;
        }
        return read -= n;
    }

    /** The level the next update at {@code tick} would give, without changing the bucket. Any thread. */
    long levelAt(EvTokenBucketCfg cfg, long tick, boolean forWrite) {
        long last = lastTick;
        long level = level(forWrite);
        long ticks = tick - last;
        return ticks <= 0 ? level : refilled(level, cfg.rate(forWrite), cfg.burst(forWrite), ticks);
    }

    /** {@code level + ticks * rate}, capped at {@code burst}, without overflowing (as libevent). */
    private static long refilled(long level, long rate, long burst, long ticks) {
        if (level >= burst) {
            return level;
        }
        long room = burst - level;
        if (room < 0) {
            room = Long.MAX_VALUE; // a negative level under a huge burst: the subtraction overflowed
        }
        if (room / ticks < rate) {
            return burst;
        }
        return level + ticks * rate;
    }
}
