package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.BevOption;
import io.github.bufferevent.BevRateLimitGroup;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EvTokenBucketCfg;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.util.unit.DataSize;

/**
 * The settings of one bufferevent after merging a client's overrides over the defaults and
 * checking every value; each failure names the property it came from. Immutable.
 */
final class ConnectionSettings {

    private static final String ALLOWED_OPTIONS = Arrays.stream(BevOption.values()).map(Enum::name)
            .collect(Collectors.joining(", "));

    final Duration connectTimeout;
    final Duration readTimeout;
    final Duration writeTimeout;
    final long readLow;
    final long readHigh;
    final long writeLow;
    final int maxSingleRead;
    final int maxSingleWrite;
    final EnumSet<BevOption> options;
    /** The rate limit of each bufferevent, or null for none. */
    final EvTokenBucketCfg rateLimit;
    /** Whether connections use TLS. */
    final boolean sslEnabled;
    /** The SSL bundle's name, or null (TLS on: the JDK's default trust). */
    final String sslBundle;
    /** The property that named the bundle (for messages), or null. */
    final String sslBundleProperty;
    /** The SNI / verification name, or null: the host connected to. */
    final String sslServerName;
    final boolean sslVerifyHostname;
    /** The handshake timeout, or null: the connect timeout. */
    final Duration sslHandshakeTimeout;

    private ConnectionSettings(Merger m) {
        connectTimeout = m.duration("connect-timeout", BufferEventProperties.Connection::getConnectTimeout);
        readTimeout = m.duration("read-timeout", BufferEventProperties.Connection::getReadTimeout);
        writeTimeout = m.duration("write-timeout", BufferEventProperties.Connection::getWriteTimeout);
        readLow = m.size("read-watermark.low", c -> c.getReadWatermark().getLow(), Long.MAX_VALUE);
        readHigh = m.size("read-watermark.high", c -> c.getReadWatermark().getHigh(), Long.MAX_VALUE);
        writeLow = m.size("write-watermark.low", c -> c.getWriteWatermark().getLow(), Long.MAX_VALUE);
        maxSingleRead = (int) m.positiveSize("max-single-read", BufferEventProperties.Connection::getMaxSingleRead);
        maxSingleWrite = (int) m.positiveSize("max-single-write", BufferEventProperties.Connection::getMaxSingleWrite);
        options = m.options();
        rateLimit = RateLimitSettings.toConfig(m.rateLimit());
        sslBundle = m.nonBlank("ssl.bundle", c -> c.getSsl().getBundle(), "the name of an SSL bundle under spring.ssl.bundle");
        sslBundleProperty = sslBundle == null ? null : m.source("ssl.bundle", c -> c.getSsl().getBundle());
        sslEnabled = m.sslEnabled();
        sslServerName = m.nonBlank("ssl.server-name", c -> c.getSsl().getServerName(), "a host name (or unset: the host connected to)");
        Boolean verify = m.pick(c -> c.getSsl().getVerifyHostname());
        sslVerifyHostname = verify == null || verify;
        sslHandshakeTimeout = m.duration("ssl.handshake-timeout", c -> c.getSsl().getHandshakeTimeout());
        try {
            BufferEventFactory.checkReadWatermark(readLow, readHigh); // the core's rule, named here by property
        } catch (IllegalArgumentException e) {
            throw new InvalidBufferEventPropertyException(m.source("read-watermark.low", c -> c.getReadWatermark().getLow()),
                    DataSize.ofBytes(readLow), "a size no larger than read-watermark.high (" + DataSize.ofBytes(readHigh) + ")");
        }
    }

    /** The defaults alone, named {@code bufferevent.defaults.*}. */
    static ConnectionSettings ofDefaults(BufferEventProperties.Connection defaults) {
        return new ConnectionSettings(new Merger("bufferevent.defaults.", defaults, null, null));
    }

    /** A client's overrides over the defaults. */
    static ConnectionSettings ofClient(String name, BufferEventProperties.Connection defaults, BufferEventProperties.Connection client) {
        return new ConnectionSettings(new Merger("bufferevent.defaults.", defaults, "bufferevent.clients." + name + ".", client));
    }

    /** A factory on {@code base} that hands out bufferevents with these settings. */
    BufferEventFactory factory(EventBase base, Instrumentation instrumentation) {
        return factory(base, instrumentation, null);
    }

    /** A factory on {@code base} that hands out bufferevents with these settings, members of {@code group} (null: none). */
    BufferEventFactory factory(EventBase base, Instrumentation instrumentation, BevRateLimitGroup group) {
        return BufferEventFactory.builder(base)
                .options(options.toArray(new BevOption[0]))
                .timeouts(readTimeout, writeTimeout)
                .connectTimeout(connectTimeout)
                .readWatermark(readLow, readHigh)
                .writeWatermark(writeLow)
                .maxSingleRead(maxSingleRead)
                .maxSingleWrite(maxSingleWrite)
                .rateLimit(rateLimit)
                .rateLimitGroup(group)
                .instrumentation(instrumentation)
                .sslVerifyHostname(sslVerifyHostname)
                .sslHandshakeTimeout(sslHandshakeTimeout)
                .build();
    }

    /** Picks each value from the client when set there, else from the defaults, remembering where it came from. */
    private static final class Merger {
        private final String defaultsPrefix;
        private final BufferEventProperties.Connection defaults;
        private final String clientPrefix;
        private final BufferEventProperties.Connection client;

        Merger(String defaultsPrefix, BufferEventProperties.Connection defaults, String clientPrefix,
                BufferEventProperties.Connection client) {
            this.defaultsPrefix = defaultsPrefix;
            this.defaults = defaults;
            this.clientPrefix = clientPrefix;
            this.client = client;
        }

        <T> T pick(Function<BufferEventProperties.Connection, T> getter) {
            T value = client == null ? null : getter.apply(client);
            return value != null ? value : getter.apply(defaults);
        }

        String source(String key, Function<BufferEventProperties.Connection, ?> getter) {
            return (client != null && getter.apply(client) != null ? clientPrefix : defaultsPrefix) + key;
        }

        Duration duration(String key, Function<BufferEventProperties.Connection, Duration> getter) {
            Duration d = pick(getter);
            if (d != null && d.isNegative()) {
                throw new InvalidBufferEventPropertyException(source(key, getter), d, "a duration of 0 or more (0 or unset: none)");
            }
            return d == null || d.isZero() ? null : d;
        }

        /** A string setting that, when set, must not be blank; trimmed. */
        String nonBlank(String key, Function<BufferEventProperties.Connection, String> getter, String allowed) {
            String v = pick(getter);
            if (v == null) {
                return null;
            }
            if (v.isBlank()) {
                throw new InvalidBufferEventPropertyException(source(key, getter), v, allowed);
            }
            return v.trim();
        }

        /**
         * TLS is on when ssl.enabled says so, else when a bundle is named: the client's own
         * settings first, then the defaults'.
         */
        boolean sslEnabled() {
            for (BufferEventProperties.Connection c : client == null ? List.of(defaults) : List.of(client, defaults)) {
                if (c.getSsl().getEnabled() != null) {
                    return c.getSsl().getEnabled();
                }
                if (c.getSsl().getBundle() != null) {
                    return true;
                }
            }
            return false;
        }

        long size(String key, Function<BufferEventProperties.Connection, DataSize> getter, long max) {
            DataSize s = pick(getter);
            if (s == null) {
                return 0;
            }
            if (s.isNegative() || s.toBytes() > max) {
                throw new InvalidBufferEventPropertyException(source(key, getter), s, "a size of 0B or more");
            }
            return s.toBytes();
        }

        long positiveSize(String key, Function<BufferEventProperties.Connection, DataSize> getter) {
            DataSize s = pick(getter);
            if (s == null) {
                return 0; // the library default
            }
            if (s.toBytes() < 1 || s.toBytes() > Integer.MAX_VALUE) {
                // Unset means the core's default; 0 (the core's other spelling of it) is refused here.
                throw new InvalidBufferEventPropertyException(source(key, getter), s, "a size in 1B.." + Integer.MAX_VALUE + "B");
            }
            return s.toBytes();
        }

        /** The {@code rate-limit.*} values, each from the client when set there, else from the defaults. */
        RateLimitSettings.Source rateLimit() {
            return new RateLimitSettings.Source() {
                @Override
                public <T> T get(Function<BufferEventProperties.RateLimit, T> getter) {
                    return pick(c -> getter.apply(c.getRateLimit()));
                }

                @Override
                public String property(String key, Function<BufferEventProperties.RateLimit, ?> getter) {
                    return source("rate-limit." + key, c -> getter.apply(c.getRateLimit()));
                }
            };
        }

        EnumSet<BevOption> options() {
            List<String> names = pick(BufferEventProperties.Connection::getOptions);
            EnumSet<BevOption> set = EnumSet.noneOf(BevOption.class);
            if (names == null) {
                return set;
            }
            for (String n : names) {
                String normalized = n == null ? "" : n.trim().toUpperCase(Locale.ROOT).replace('-', '_');
                try {
                    set.add(BevOption.valueOf(normalized));
                } catch (IllegalArgumentException e) {
                    throw new InvalidBufferEventPropertyException(source("options", BufferEventProperties.Connection::getOptions), n,
                            "a list of option names from: " + ALLOWED_OPTIONS);
                }
            }
            return set;
        }
    }
}
