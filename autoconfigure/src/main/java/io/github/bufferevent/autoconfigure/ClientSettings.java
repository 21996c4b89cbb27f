package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.ExchangeListener;
import io.github.bufferevent.client.Framing;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.util.unit.DataSize;

/**
 * One named client's settings, merged over the defaults and checked; each failure names its
 * property, the value and what is allowed. Immutable; maps onto {@link BufferEventClient.Builder}.
 */
final class ClientSettings {

    private static final long DEFAULT_MAX_FRAME = 64 * 1024;

    final String name;
    final List<InetSocketAddress> addresses;
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
    final boolean reconnectOnDemand;
    final Duration reconnectLogInterval;
    final int poolSize;
    final boolean failback;
    final Duration replyTimeout;
    final int maxInFlight;
    final BufferEventClient.PendingPolicy pendingPolicy;
    final Framing framing;
    final ConnectionSettings connection;
    /** The rate-limit group the connections join, or null. */
    final String rateLimitGroup;

    private ClientSettings(String name, BufferEventProperties.Client c, BufferEventProperties.Connection defaults, Set<String> groups) {
        String prefix = "bufferevent.clients." + name + ".";
        this.name = name;
        this.addresses = addresses(prefix, c);
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
        this.reconnectOnDemand = r.isOnDemand();
        this.reconnectLogInterval = positive(prefix + "reconnect.log-interval", r.getLogInterval());
        if (c.getPoolSize() < 1 || c.getPoolSize() > 64) {
            throw new InvalidBufferEventPropertyException(prefix + "pool-size", c.getPoolSize(), "a number of connections in 1..64");
        }
        this.poolSize = c.getPoolSize();
        this.failback = c.isFailback();
        Duration reply = c.getReplyTimeout();
        if (reply != null && reply.isNegative()) {
            throw new InvalidBufferEventPropertyException(prefix + "reply-timeout", reply, "a duration of 0 (no limit) or more");
        }
        this.replyTimeout = reply;
        if (c.getMaxInFlight() < 1) {
            throw new InvalidBufferEventPropertyException(prefix + "max-in-flight", c.getMaxInFlight(), "a number of 1 or more");
        }
        this.maxInFlight = c.getMaxInFlight();
        if (c.getPendingWhileDisconnected() == null) {
            throw new InvalidBufferEventPropertyException(prefix + "pending-while-disconnected", null, "buffer or reject");
        }
        this.pendingPolicy = c.getPendingWhileDisconnected();
        this.framing = framing(prefix + "framing.", c.getFraming());
        this.connection = ConnectionSettings.ofClient(name, defaults, c);
        String group = c.getRateLimitGroup();
        if (group != null && !groups.contains(group.trim())) {
            throw new InvalidBufferEventPropertyException(prefix + "rate-limit-group", group,
                    "the name of a group under bufferevent.rate-limit-groups (configured: " + groups + ")");
        }
        this.rateLimitGroup = group == null ? null : group.trim();
    }

    /** {@code groups}: the names of the configured rate-limit groups. */
    static ClientSettings of(String name, BufferEventProperties.Client client, BufferEventProperties.Connection defaults,
            Set<String> groups) {
        return new ClientSettings(name, client, defaults, groups);
    }

    /**
     * The client these settings describe, on {@code base}, making its bufferevents with
     * {@code factory}, telling {@code listener} of its exchanges, over TLS with {@code tls} (null: plain TCP).
     */
    BufferEventClient toClient(EventBase base, BufferEventFactory factory, ExchangeListener listener, ClientTls tls) {
        BufferEventClient.Builder b = BufferEventClient.builder(base, name);
        if (tls != null) {
            b.ssl(tls, connection.sslServerName).sslEngineConfigurer(tls);
        }
        return b.factory(factory).exchangeListener(listener).addresses(addresses).framing(framing)
                .replyTimeout(replyTimeout).maxInFlight(maxInFlight).poolSize(poolSize).failback(failback)
                .pendingWhileDisconnected(pendingPolicy).maxPendingBytes(maxPendingBytes)
                .writeBufferWaterMarks(writeBufferLowWaterMark, writeBufferHighWaterMark)
                .reconnect(reconnect, initialBackoff, maxBackoff, multiplier, jitter).reconnectOnDemand(reconnectOnDemand)
                .reconnectLogInterval(reconnectLogInterval).required(required).build();
    }

    /** host:port of the first address, for messages. */
    String target() {
        InetSocketAddress a = addresses.get(0);
        return a.getHostString() + ":" + a.getPort();
    }

    private static List<InetSocketAddress> addresses(String prefix, BufferEventProperties.Client c) {
        List<InetSocketAddress> list = new ArrayList<>();
        if (c.getAddresses() != null && !c.getAddresses().isEmpty()) {
            for (String entry : c.getAddresses()) {
                list.add(hostPort(prefix + "addresses", entry));
            }
            return list;
        }
        if (c.getHost() == null || c.getHost().isBlank()) {
            throw new InvalidBufferEventPropertyException(prefix + "host", c.getHost(),
                    "a host name or address to connect to (or set " + prefix + "addresses)");
        }
        if (c.getPort() == null || c.getPort() < 1 || c.getPort() > 65535) {
            throw new InvalidBufferEventPropertyException(prefix + "port", c.getPort(), "a port in 1..65535");
        }
        list.add(InetSocketAddress.createUnresolved(c.getHost().trim(), c.getPort()));
        return list;
    }

    private static InetSocketAddress hostPort(String property, String entry) {
        String allowed = "host:port entries with a port in 1..65535 (IPv6 as [::1]:6379)";
        if (entry == null || entry.isBlank()) {
            throw new InvalidBufferEventPropertyException(property, entry, allowed);
        }
        String e = entry.trim();
        int colon = e.lastIndexOf(':');
        if (colon <= 0 || colon == e.length() - 1) {
            throw new InvalidBufferEventPropertyException(property, entry, allowed);
        }
        String host = e.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(e.substring(colon + 1));
        } catch (NumberFormatException nfe) {
            throw new InvalidBufferEventPropertyException(property, entry, allowed);
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new InvalidBufferEventPropertyException(property, entry, allowed);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static Framing framing(String prefix, BufferEventProperties.Framing f) {
        if (f.getType() == null) {
            return null;
        }
        switch (f.getType()) {
            case RAW:
                return Framing.raw();
            case LINE:
                if (f.getEol() == null) {
                    throw new InvalidBufferEventPropertyException(prefix + "eol", null, "CRLF, CRLF_STRICT, ANY, LF or NUL");
                }
                return Framing.line(f.getEol(), maxFrame(prefix, f, Integer.MAX_VALUE - 8));
            case LENGTH_FIELD: {
                int bytes = f.getLengthFieldBytes();
                if (bytes != 1 && bytes != 2 && bytes != 4) {
                    throw new InvalidBufferEventPropertyException(prefix + "length-field-bytes", bytes, "1, 2 or 4");
                }
                int limit = bytes == 1 ? 255 : bytes == 2 ? 65535 : Integer.MAX_VALUE - 8;
                return Framing.lengthField(bytes, maxFrame(prefix, f, limit));
            }
            case DELIMITER: {
                String d = f.getDelimiter();
                if (d == null || d.isEmpty()) {
                    throw new InvalidBufferEventPropertyException(prefix + "delimiter", d, "a non-empty delimiter");
                }
                return Framing.delimiter(d.getBytes(StandardCharsets.UTF_8), maxFrame(prefix, f, Integer.MAX_VALUE - 8));
            }
            default:
                throw new InvalidBufferEventPropertyException(prefix + "type", f.getType(), "raw, line, length-field or delimiter");
        }
    }

    private static int maxFrame(String prefix, BufferEventProperties.Framing f, int limit) {
        DataSize size = f.getMaxFrameLength();
        if (size == null) {
            return (int) Math.min(DEFAULT_MAX_FRAME, limit);
        }
        if (size.toBytes() < 1 || size.toBytes() > limit) {
            throw new InvalidBufferEventPropertyException(prefix + "max-frame-length", size, "a size in 1B.." + limit + "B"
                    + (limit < 65536 ? " (what " + f.getLengthFieldBytes() + " length-field bytes can count)" : ""));
        }
        return (int) size.toBytes();
    }

    private static Duration positive(String property, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidBufferEventPropertyException(property, d, "a duration greater than 0");
        }
        return d;
    }
}
