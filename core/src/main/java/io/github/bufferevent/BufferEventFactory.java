package io.github.bufferevent;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Hands out socket {@link BufferEvent}s (plain, or TLS with {@link #ssl}) on one {@link EventBase}, configured with the same
 * options, timeouts, watermarks, single read/write limits, rate limit and rate-limit group, and
 * {@link Instrumentation}. The Spring
 * starter exposes one as a bean.
 *
 * <p>Threads: immutable once built; {@link #socket()} may be called from any thread when the
 * options include {@link BevOption#THREADSAFE}, otherwise the bufferevent rules apply.
 */
public final class BufferEventFactory {

    private final EventBase base;
    private final BevOption[] options;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final Duration connectTimeout;
    private final long readLow;
    private final long readHigh;
    private final long writeLow;
    private final int maxSingleRead;
    private final int maxSingleWrite;
    private final EvTokenBucketCfg rateLimit;
    private final BevRateLimitGroup rateLimitGroup;
    private final Instrumentation instrumentation;
    private final boolean sslVerifyHostname;
    private final Duration sslHandshakeTimeout;

    private BufferEventFactory(Builder b) {
        this.base = b.base;
        this.options = b.options.toArray(new BevOption[0]);
        this.readTimeout = b.readTimeout;
        this.writeTimeout = b.writeTimeout;
        this.connectTimeout = b.connectTimeout;
        this.readLow = b.readLow;
        this.readHigh = b.readHigh;
        this.writeLow = b.writeLow;
        this.maxSingleRead = b.maxSingleRead;
        this.maxSingleWrite = b.maxSingleWrite;
        this.rateLimit = b.rateLimit;
        this.rateLimitGroup = b.rateLimitGroup;
        this.instrumentation = b.instrumentation != null ? b.instrumentation : b.base.instrumentation();
        this.sslVerifyHostname = b.sslVerifyHostname;
        this.sslHandshakeTimeout = b.sslHandshakeTimeout;
        if (!sslVerifyHostname) {
            SslClientEngines.warnVerificationOff();
        }
    }

    /**
     * Checks read watermarks by the rule {@link Builder#readWatermark} and
     * {@link BufferEvent#setWatermark} apply (both at least 0, low no higher than a non-zero
     * high), for a configuration layer that names its own property. Any thread.
     *
     * @throws IllegalArgumentException naming the mark and what is allowed
     */
    public static void checkReadWatermark(long low, long high) {
        BevChecks.readWatermark(low, high);
    }

    /** A builder for a factory on {@code base}. */
    public static Builder builder(EventBase base) {
        return new Builder(base);
    }

    /** A bufferevent without a channel yet, ready for {@code connect} or {@code connectHostname}. */
    public BufferEvent socket() throws IOException {
        return socket(null);
    }

    /** A bufferevent on {@code channel} (an accepted or connected channel, or null). */
    public BufferEvent socket(SocketChannel channel) throws IOException {
        return configure(BevFactory.socket(base, channel, instrumentation, options));
    }

    /**
     * A TLS client bufferevent ({@link BufferEvent#sslSocket}, CONNECTING) without a channel
     * yet, for {@code connect} or {@code connectHostname}, with an engine from {@code context}
     * for {@code serverName}: sent as SNI (unless it is an IP address) and verified against the
     * server's certificate (endpoint identification "HTTPS", unless the builder turned
     * {@link Builder#sslVerifyHostname} off). {@code serverName} is usually the host connected
     * to; {@code port} is the engine's peer port (its session cache key). The handshake is bound
     * by {@link Builder#sslHandshakeTimeout}, or else the connect timeout, or else the write
     * timeout; its expiry is reported as {@code TIMEOUT|WRITING}.
     *
     * @throws IllegalArgumentException if the server name is blank or the port outside 1..65535
     */
    public BufferEvent ssl(SSLContext context, String serverName, int port) throws IOException {
        SSLEngine engine = SslClientEngines.create(context, serverName, port, sslVerifyHostname);
        BufferEvent bev = configure(BevFactory.sslSocket(base, null, engine, BevSslState.CONNECTING, instrumentation, options));
        if (sslHandshakeTimeout != null) {
            bev.setHandshakeTimeout(sslHandshakeTimeout.toNanos());
        }
        return bev;
    }

    /** The timeout of {@link #ssl} handshakes, or null: the connect timeout, else the write timeout. */
    public Duration sslHandshakeTimeout() {
        return sslHandshakeTimeout;
    }

    /** Whether {@link #ssl} engines verify the server name against the certificate (default true). */
    public boolean sslVerifyHostname() {
        return sslVerifyHostname;
    }

    /** Applies the factory's settings to a new bufferevent; frees it if one does not apply. */
    private BufferEvent configure(BufferEvent bev) {
        try {
            bev.setTimeouts(readTimeout, writeTimeout);
            bev.setConnectTimeout(connectTimeout);
            bev.setWatermark(Ev.READ, readLow, readHigh);
            bev.setWatermark(Ev.WRITE, writeLow, 0);
            bev.setMaxSingleRead(maxSingleRead);
            bev.setMaxSingleWrite(maxSingleWrite);
            if (rateLimit != null) {
                bev.setRateLimit(rateLimit);
            }
            if (rateLimitGroup != null) {
                bev.addToRateLimitGroup(rateLimitGroup);
            }
        } catch (RuntimeException e) {
            // Do not leave a half-configured bufferevent registered with the base.
            try {
                bev.free();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return bev;
    }

    /** The same settings with another instrumentation (for example one tagged with a client name). */
    public BufferEventFactory withInstrumentation(Instrumentation instrumentation) {
        Builder b = toBuilder();
        b.instrumentation(instrumentation);
        return b.build();
    }

    /** A builder holding this factory's settings. */
    public Builder toBuilder() {
        Builder b = new Builder(base);
        b.options = options.length == 0 ? EnumSet.noneOf(BevOption.class) : EnumSet.of(options[0], options);
        b.readTimeout = readTimeout;
        b.writeTimeout = writeTimeout;
        b.connectTimeout = connectTimeout;
        b.readLow = readLow;
        b.readHigh = readHigh;
        b.writeLow = writeLow;
        b.maxSingleRead = maxSingleRead;
        b.maxSingleWrite = maxSingleWrite;
        b.rateLimit = rateLimit;
        b.rateLimitGroup = rateLimitGroup;
        b.instrumentation = instrumentation;
        b.sslVerifyHostname = sslVerifyHostname;
        b.sslHandshakeTimeout = sslHandshakeTimeout;
        return b;
    }

    /** The base the bufferevents run on. */
    public EventBase base() {
        return base;
    }

    /** The options every bufferevent gets (a copy). */
    public EnumSet<BevOption> options() {
        return options.length == 0 ? EnumSet.noneOf(BevOption.class) : EnumSet.of(options[0], options);
    }

    /** The read timeout, or null. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** The write timeout, or null. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** The connect timeout, or null (then the write timeout applies while connecting). */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The read low watermark. */
    public long readLowWatermark() {
        return readLow;
    }

    /** The read high watermark (0 = unlimited). */
    public long readHighWatermark() {
        return readHigh;
    }

    /** The write low watermark. */
    public long writeLowWatermark() {
        return writeLow;
    }

    /** The most bytes one read takes. */
    public int maxSingleRead() {
        return maxSingleRead;
    }

    /** The most bytes one write hands to the socket. */
    public int maxSingleWrite() {
        return maxSingleWrite;
    }

    /** The rate limit each bufferevent gets ({@link BufferEvent#setRateLimit}), or null. */
    public EvTokenBucketCfg rateLimit() {
        return rateLimit;
    }

    /** The group each bufferevent joins ({@link BufferEvent#addToRateLimitGroup}), or null. */
    public BevRateLimitGroup rateLimitGroup() {
        return rateLimitGroup;
    }

    /** The instrumentation given to each bufferevent. */
    public Instrumentation instrumentation() {
        return instrumentation;
    }

    /** Settings of a {@link BufferEventFactory}. Not thread-safe. */
    public static final class Builder {
        private final EventBase base;
        private EnumSet<BevOption> options = EnumSet.of(BevOption.CLOSE_ON_FREE);
        private Duration readTimeout;
        private Duration writeTimeout;
        private Duration connectTimeout;
        private long readLow;
        private long readHigh;
        private long writeLow;
        private int maxSingleRead = BufferEvent.DEFAULT_MAX_SINGLE_READ;
        private int maxSingleWrite = BufferEvent.DEFAULT_MAX_SINGLE_WRITE;
        private EvTokenBucketCfg rateLimit;
        private BevRateLimitGroup rateLimitGroup;
        private Instrumentation instrumentation;
        private boolean sslVerifyHostname = true;
        private Duration sslHandshakeTimeout;

        private Builder(EventBase base) {
            this.base = Objects.requireNonNull(base, "base");
        }

        /** The options (default: CLOSE_ON_FREE). */
        public Builder options(BevOption... options) {
            this.options = BevChecks.options(options);
            return this;
        }

        /** Read and write timeouts; null or zero for none. */
        public Builder timeouts(Duration read, Duration write) {
            if (read != null) {
                EventBase.checkDelay("read timeout", read);
            }
            if (write != null) {
                EventBase.checkDelay("write timeout", write);
            }
            this.readTimeout = read;
            this.writeTimeout = write;
            return this;
        }

        /** The connect timeout; null or zero to use the write timeout, as libevent does. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout != null) {
                EventBase.checkDelay("connect timeout", timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** Read watermarks (see {@link BufferEvent#setWatermark}). */
        public Builder readWatermark(long low, long high) {
            BevChecks.readWatermark(low, high);
            this.readLow = low;
            this.readHigh = high;
            return this;
        }

        /** The write low watermark. */
        public Builder writeWatermark(long low) {
            BevChecks.lowWatermark("write", low);
            this.writeLow = low;
            return this;
        }

        /** The most bytes one read takes (0 or -1: default 16384). */
        public Builder maxSingleRead(int size) {
            // Store the effective value, so the factory's getter says what bufferevents get.
            this.maxSingleRead = BevChecks.singleSize("maxSingleRead", size, BufferEvent.DEFAULT_MAX_SINGLE_READ);
            return this;
        }

        /** The most bytes one write hands to the socket (0 or -1: default 61440). */
        public Builder maxSingleWrite(int size) {
            this.maxSingleWrite = BevChecks.singleSize("maxSingleWrite", size, BufferEvent.DEFAULT_MAX_SINGLE_WRITE);
            return this;
        }

        /** The rate limit of each bufferevent (default null: none). */
        public Builder rateLimit(EvTokenBucketCfg cfg) {
            this.rateLimit = cfg;
            return this;
        }

        /**
         * The group each bufferevent joins (default null: none).
         *
         * @throws IllegalArgumentException if the group runs on another base
         */
        public Builder rateLimitGroup(BevRateLimitGroup group) {
            if (group != null && group.base() != base) {
                throw new IllegalArgumentException("rateLimitGroup must run on the factory's EventBase (" + base + "), was on "
                        + group.base());
            }
            this.rateLimitGroup = group;
            return this;
        }

        /** The instrumentation (default: the base's). */
        public Builder instrumentation(Instrumentation instrumentation) {
            this.instrumentation = Objects.requireNonNull(instrumentation, "instrumentation");
            return this;
        }

        /**
         * Whether the engines of {@link BufferEventFactory#ssl} check that the server's
         * certificate matches the server name (default true). Turning it off lets anyone with a
         * certificate the trust store accepts pass for any server; a WARN says so once.
         */
        public Builder sslVerifyHostname(boolean verify) {
            this.sslVerifyHostname = verify;
            return this;
        }

        /**
         * How long a TLS handshake of {@link BufferEventFactory#ssl} may take, counted from the
         * transport being connected; null or zero (the default): the connect timeout, or else
         * the write timeout. Expiry is {@code TIMEOUT|WRITING}, as for a connect.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder sslHandshakeTimeout(Duration timeout) {
            if (timeout != null) {
                EventBase.checkDelay("sslHandshakeTimeout", timeout);
            }
            this.sslHandshakeTimeout = timeout == null || timeout.isZero() ? null : timeout;
            return this;
        }

        /** The factory. */
        public BufferEventFactory build() {
            return new BufferEventFactory(this);
        }
    }
}
