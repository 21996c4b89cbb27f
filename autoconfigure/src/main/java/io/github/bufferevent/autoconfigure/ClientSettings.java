package io.github.bufferevent.autoconfigure;

import java.time.Duration;
import org.springframework.util.unit.DataSize;

/**
 * One named client's settings, merged over the defaults and checked; each failure names its
 * property. Immutable.
 */
final class ClientSettings {

    final String name;
    final String host;
    final int port;
    final boolean connectOnStartup;
    final boolean required;
    final long maxPendingBytes;
    final long writeBufferHighWaterMark;
    final long writeBufferLowWaterMark;
    final boolean reconnect;
    final Duration initialBackoff;
    final Duration maxBackoff;
    final double multiplier;
    final double jitter;
    final ConnectionSettings connection;

    private ClientSettings(String name, BufferEventProperties.Client c, BufferEventProperties.Connection defaults) {
        String prefix = "bufferevent.clients." + name + ".";
        this.name = name;
        if (c.getHost() == null || c.getHost().isBlank()) {
            throw new InvalidBufferEventPropertyException(prefix + "host", c.getHost(), "a host name or address to connect to");
        }
        this.host = c.getHost().trim();
        if (c.getPort() == null || c.getPort() < 1 || c.getPort() > 65535) {
            throw new InvalidBufferEventPropertyException(prefix + "port", c.getPort(), "a port in 1..65535");
        }
        this.port = c.getPort();
        this.connectOnStartup = c.isConnectOnStartup();
        this.required = c.isRequired();
        DataSize pending = c.getMaxPendingBytes();
        if (pending == null || pending.isNegative()) {
            throw new InvalidBufferEventPropertyException(prefix + "max-pending-bytes", pending, "a size of 0B or more");
        }
        this.maxPendingBytes = pending.toBytes();
        DataSize high = c.getWriteBufferHighWaterMark();
        if (high == null || high.toBytes() < 1) {
            throw new InvalidBufferEventPropertyException(prefix + "write-buffer-high-water-mark", high, "a size of 1B or more");
        }
        DataSize low = c.getWriteBufferLowWaterMark();
        if (low == null || low.isNegative() || low.toBytes() > high.toBytes()) {
            throw new InvalidBufferEventPropertyException(prefix + "write-buffer-low-water-mark", low,
                    "a size of 0B or more, no larger than write-buffer-high-water-mark (" + high + ")");
        }
        // Both marks are capped at max-pending-bytes: a small limit need not restate them.
        this.writeBufferHighWaterMark = Math.max(1, Math.min(high.toBytes(), maxPendingBytes));
        this.writeBufferLowWaterMark = Math.min(low.toBytes(), writeBufferHighWaterMark);
        BufferEventProperties.Reconnect r = c.getReconnect();
        this.reconnect = r.isEnabled();
        this.initialBackoff = positive(prefix + "reconnect.initial-backoff", r.getInitialBackoff());
        this.maxBackoff = positive(prefix + "reconnect.max-backoff", r.getMaxBackoff());
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new InvalidBufferEventPropertyException(prefix + "reconnect.max-backoff", maxBackoff,
                    "a duration no shorter than reconnect.initial-backoff (" + initialBackoff + ")");
        }
        if (!(r.getMultiplier() >= 1.0) || Double.isInfinite(r.getMultiplier())) {
            throw new InvalidBufferEventPropertyException(prefix + "reconnect.multiplier", r.getMultiplier(), "a number of 1.0 or more");
        }
        this.multiplier = r.getMultiplier();
        if (!(r.getJitter() >= 0.0 && r.getJitter() <= 1.0)) {
            throw new InvalidBufferEventPropertyException(prefix + "reconnect.jitter", r.getJitter(), "a fraction in 0.0..1.0");
        }
        this.jitter = r.getJitter();
        this.connection = ConnectionSettings.ofClient(name, defaults, c);
    }

    static ClientSettings of(String name, BufferEventProperties.Client client, BufferEventProperties.Connection defaults) {
        return new ClientSettings(name, client, defaults);
    }

    private static Duration positive(String property, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidBufferEventPropertyException(property, d, "a duration greater than 0");
        }
        return d;
    }

    /** The delay before reconnect attempt {@code attempt} (1-based): exponential, capped, with jitter in [-j, +j]. */
    long backoffNanos(int attempt, double random) {
        double base = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, maxBackoff.toNanos());
        double spread = 1.0 + jitter * (2 * random - 1);
        return Math.max(1, (long) (capped * spread));
    }
}
