package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.EvTokenBucketCfg;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.util.unit.DataSize;

/**
 * Turns {@code rate-limit.*} properties (of the defaults, a client or a group) into an
 * {@link EvTokenBucketCfg}, checking each value; a failure names the property it came from, the
 * value and what is allowed. An unset or zero rate leaves that direction unlimited; an unset
 * burst is the rate; an unset tick is 1s. Stateless.
 */
final class RateLimitSettings {

    private static final String TICKS = "a duration in " + EvTokenBucketCfg.MIN_TICK.toMillis() + "ms.."
            + EvTokenBucketCfg.MAX_TICK.getSeconds() + "s";

    /** Where the values come from, and the full name of the property each came from. */
    interface Source {
        /** The value {@code getter} reads, or null when unset. */
        <T> T get(Function<BufferEventProperties.RateLimit, T> getter);

        /** The full property name of {@code key} (such as {@code read-rate}), read by {@code getter}. */
        String property(String key, Function<BufferEventProperties.RateLimit, ?> getter);
    }

    private RateLimitSettings() {
    }

    /** A source reading {@code values} whose properties are {@code prefix + key}. */
    static Source of(String prefix, BufferEventProperties.RateLimit values) {
        return new Source() {
            @Override
            public <T> T get(Function<BufferEventProperties.RateLimit, T> getter) {
                return getter.apply(values);
            }

            @Override
            public String property(String key, Function<BufferEventProperties.RateLimit, ?> getter) {
                return prefix + key;
            }
        };
    }

    /** The configuration, or null when neither direction is limited. */
    static EvTokenBucketCfg toConfig(Source s) {
        long readRate = rate(s, "read-rate", BufferEventProperties.RateLimit::getReadRate);
        long readBurst = burst(s, "read-burst", BufferEventProperties.RateLimit::getReadBurst, "read-rate", readRate);
        long writeRate = rate(s, "write-rate", BufferEventProperties.RateLimit::getWriteRate);
        long writeBurst = burst(s, "write-burst", BufferEventProperties.RateLimit::getWriteBurst, "write-rate", writeRate);
        Duration tick = s.get(BufferEventProperties.RateLimit::getTick);
        if (tick != null && (tick.compareTo(EvTokenBucketCfg.MIN_TICK) < 0 || tick.compareTo(EvTokenBucketCfg.MAX_TICK) > 0)) {
            throw new InvalidBufferEventPropertyException(s.property("tick", BufferEventProperties.RateLimit::getTick), tick, TICKS);
        }
        if (readRate == 0 && writeRate == 0) {
            return null;
        }
        return EvTokenBucketCfg.create(readRate == 0 ? Long.MAX_VALUE : readRate, readRate == 0 ? Long.MAX_VALUE : readBurst,
                writeRate == 0 ? Long.MAX_VALUE : writeRate, writeRate == 0 ? Long.MAX_VALUE : writeBurst, tick);
    }

    private static long rate(Source s, String key, Function<BufferEventProperties.RateLimit, DataSize> getter) {
        DataSize rate = s.get(getter);
        if (rate == null) {
            return 0;
        }
        if (rate.isNegative()) {
            throw new InvalidBufferEventPropertyException(s.property(key, getter), rate, "a size of 1B or more per tick (0B or unset: unlimited)");
        }
        return rate.toBytes();
    }

    private static long burst(Source s, String key, Function<BufferEventProperties.RateLimit, DataSize> getter, String rateKey,
            long rate) {
        DataSize burst = s.get(getter);
        if (burst == null || rate == 0) {
            return rate;
        }
        if (burst.toBytes() < rate) {
            throw new InvalidBufferEventPropertyException(s.property(key, getter), burst,
                    "a size no smaller than " + rateKey + " (" + DataSize.ofBytes(rate) + ")");
        }
        return burst.toBytes();
    }
}
