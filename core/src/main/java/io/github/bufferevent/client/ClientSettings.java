package io.github.bufferevent.client;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BevTrigger;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient.PendingPolicy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * The settings of one {@link BufferEventClient}, as its {@link BufferEventClient.Builder} checked
 * them, with what follows from them: the write-buffer water marks capped at the pending limit,
 * the reply timeout in nanoseconds (0: none), the default factory. A copy: building again with
 * the same builder does not change a client already built.
 *
 * <p>Threads: any (immutable).
 */
final class ClientSettings {

    final EventBase base;
    final String name;
    final List<InetSocketAddress> addresses;
    /** Null: the handler reads raw bytes. */
    final Framing framing;
    final long replyTimeoutNanos;
    final int maxInFlight;
    final int poolSize;
    final PendingPolicy pendingPolicy;
    final long maxPendingBytes;
    final long writeBufferHighWaterMark;
    final long writeBufferLowWaterMark;
    final Backoff backoff;
    /** Whether a write or exchange while no connection is up starts a reconnect attempt at once (rate-bounded). */
    final boolean reconnectOnDemand;
    /** The longest gap between two WARNs about failed attempts while disconnected. */
    final long reconnectLogIntervalNanos;
    final boolean failback;
    final boolean required;
    final ExchangeListener listener;
    /** The factory given, or one making THREADSAFE, CLOSE_ON_FREE bufferevents on the base. */
    final BufferEventFactory factory;
    /** The handler given, or null. */
    final BufferEventClientHandler handler;
    /** TLS for every connection, or null for plain TCP. */
    final Supplier<SSLContext> sslContext;
    /** Runs on each new engine, or null. */
    final Consumer<SSLEngine> sslEngineConfigurer;
    /** The name sent (SNI) and verified; null: each address's host. */
    final String sslServerName;
    /** Where connections get their bufferevents, or null: the factory's. */
    final BufferEventClient.Transport transport;

    ClientSettings(BufferEventClient.Builder b) {
        this.base = b.base;
        this.name = b.name;
        this.addresses = List.copyOf(b.addresses);
        this.framing = b.framing;
        this.replyTimeoutNanos = b.replyTimeout == null ? 0 : b.replyTimeout.toNanos();
        this.maxInFlight = b.maxInFlight;
        this.poolSize = b.poolSize;
        this.pendingPolicy = b.pendingPolicy;
        this.maxPendingBytes = b.maxPendingBytes;
        this.writeBufferHighWaterMark = Math.max(1, Math.min(b.writeBufferHighWaterMark, maxPendingBytes));
        this.writeBufferLowWaterMark = Math.min(b.writeBufferLowWaterMark, writeBufferHighWaterMark);
        this.backoff = b.backoff;
        this.reconnectOnDemand = b.reconnectOnDemand;
        this.reconnectLogIntervalNanos = b.reconnectLogInterval.toNanos();
        this.failback = b.failback;
        this.required = b.required;
        this.listener = b.listener;
        this.factory = b.factory != null ? b.factory
                : BufferEventFactory.builder(base).options(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE).build();
        this.handler = b.handler;
        this.sslContext = b.sslContext;
        this.sslEngineConfigurer = b.sslEngineConfigurer;
        if (sslContext != null) {
            warmUpTls(sslContext);
        }
        this.sslServerName = b.sslServerName;
        this.transport = b.transport;
    }

    /**
     * The JDK initialises its TLS classes (the engine, signature schemes, IDN tables for SNI:
     * 100-400 ms) at the first engine and SNI name it makes: here, on the builder's thread, rather
     * than on the loop at the first connect, where it blocked every connection of the base. Asks the
     * supplier once; a failure here is ignored (the connect attempt reports it).
     */
    private static void warmUpTls(Supplier<SSLContext> context) {
        new SNIHostName("warm-up.invalid");
        try {
            SSLContext c = context.get();
            if (c != null) {
                c.createSSLEngine("warm-up.invalid", 443).setUseClientMode(true);
            }
        } catch (RuntimeException e) {
            // the attempt will fail with it, through the event callback
        }
    }

    /**
     * A new bufferevent from {@code factory} (a connection's own, which watches for user frees) for
     * a connection to {@code address}: a TLS one ({@link BufferEventFactory#ssl}: SNI and the
     * server name verified by default) when the client has an SSL context, else a plain socket.
     */
    BufferEvent newBufferEvent(BufferEventFactory factory, InetSocketAddress address) throws IOException {
        if (transport != null) {
            BufferEvent bev = transport.open(address);
            if (bev == null || bev.base() != base) {
                if (bev != null) {
                    bev.free();
                }
                throw new IOException("client '" + name + "': its transport returned " + (bev == null ? "null" : "a bufferevent on another base"));
            }
            return bev;
        }
        if (sslContext == null) {
            return factory.socket();
        }
        SSLContext context = sslContext.get();
        if (context == null) {
            throw new IOException("client '" + name + "': its SSL context supplier returned null");
        }
        BufferEvent bev = factory.ssl(context, sslServerName != null ? sslServerName : address.getHostString(), address.getPort());
        if (sslEngineConfigurer != null) {
            try {
                sslEngineConfigurer.accept(bev.sslEngine());
            } catch (RuntimeException e) {
                bev.free();
                throw new IOException("client '" + name + "': its SSL engine configurer failed: " + e, e);
            }
        }
        return bev;
    }

    /**
     * Starts connecting {@code bev} to {@code address}, or, if it is connected already (a
     * transport's pair side), reports {@code CONNECTED} through its event callback on the next
     * loop pass, as a connect would.
     */
    static void connect(BufferEvent bev, InetSocketAddress address) {
        if (bev.isConnected()) {
            bev.triggerEvent(BevEvent.CONNECTED, BevTrigger.DEFER_CALLBACKS);
        } else {
            bev.connectHostname(address.getHostString(), address.getPort());
        }
    }

    /** How an exchange fails whose reply did not come from {@code target} within the reply timeout. */
    TimeoutException replyTimedOut(String target) {
        return new TimeoutException("no reply from " + target + " within " + TimeUnit.NANOSECONDS.toMillis(replyTimeoutNanos)
                + " ms (client '" + name + "', reply-timeout)");
    }

    /** {@code value}, if it is in {@code min..max}; else an exception naming the setting, the range and the value. */
    static int inRange(String setting, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(setting + " must be in " + min + ".." + max + ", was " + value);
        }
        return value;
    }

    /** {@code value}, if it is {@code min} or more; else an exception naming the setting, the bound and the value. */
    static long atLeast(String setting, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(setting + " must be >= " + min + ", was " + value);
        }
        return value;
    }
}
