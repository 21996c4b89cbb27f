package io.github.bufferevent;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLEngine;

/**
 * Builds each kind of bufferevent: checks the options and the thread, picks the backend and the
 * lock, links what must be linked, and registers the result with its base. Any thread the
 * options allow (see {@link BufferEvent}'s factory methods).
 */
final class BevFactory {

    private BevFactory() {
    }

    static BufferEvent socket(EventBase base, SocketChannel channel, Instrumentation instrumentation, BevOption... options)
            throws IOException {
        EnumSet<BevOption> set = checkNew(base, options, "socket");
        if (channel != null && channel.isBlocking()) {
            channel.configureBlocking(false);
        }
        BufferEvent bev = unbornSocket(base, channel, set, instrumentation, null);
        born(bev);
        if (channel != null) {
            bev.update();
        }
        return bev;
    }

    /** A socket bufferevent not (yet) in the base's live set: under an sslSocket it never is. With THREADSAFE, on {@code sharedLock} if given. */
    private static BufferEvent unbornSocket(EventBase base, SocketChannel channel, EnumSet<BevOption> set, Instrumentation instrumentation,
            ReentrantLock sharedLock) {
        BufferEvent bev = new BufferEvent(base, set, instrumentation, sharedLock, b -> new SocketBackend(b, channel));
        if (channel != null && channel.isConnected()) {
            bev.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTED);
            ((SocketBackend) bev.backend).markConnected();
        }
        return bev;
    }

    /**
     * A TLS bufferevent over a socket bufferevent of its own: hidden (not in the live set, its
     * connects reported as the TLS bufferevent's), on the same lock, freed with it.
     */
    static BufferEvent sslSocket(EventBase base, SocketChannel channel, SSLEngine engine, BevSslState state, Instrumentation instrumentation,
            BevOption... options) throws IOException {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(state, "state");
        EnumSet<BevOption> set = checkNew(base, options, "sslSocket");
        prepare(engine, state);
        if (channel != null && channel.isBlocking()) {
            channel.configureBlocking(false);
        }
        ReentrantLock shared = set.contains(BevOption.THREADSAFE) ? new ReentrantLock() : null;
        SslTransportInstrumentation reports = new SslTransportInstrumentation(instrumentation);
        BufferEvent transport = unbornSocket(base, channel, transportOptions(set), reports, shared);
        BufferEvent bev = new BufferEvent(base, set, instrumentation, shared, b -> new SslBackend(b, transport, true, engine, state));
        reports.owner(bev);
        born(bev);
        ((SslBackend) bev.backend).attach();
        return bev;
    }

    static BufferEvent sslFilter(BufferEvent underlying, SSLEngine engine, BevSslState state, BevOption... options) {
        Objects.requireNonNull(underlying, "underlying");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(state, "state");
        EventBase base = underlying.base();
        EnumSet<BevOption> set = checkNew(base, options, "sslFilter");
        underlying.checkNotFreed();
        if (underlying.stackedUnder()) {
            throw new IllegalStateException("underlying already has a bufferevent on top of it: " + underlying.above());
        }
        prepare(engine, state);
        BufferEvent bev = new BufferEvent(base, set, base.instrumentation(), underlying.lockObject(),
                b -> new SslBackend(b, underlying, false, engine, state));
        born(bev);
        ((SslBackend) bev.backend).attach();
        return bev;
    }

    static BufferEvent[] pair(EventBase base, BevOption... options) {
        EnumSet<BevOption> set = checkNew(base, options, "pair");
        set.add(BevOption.DEFER_CALLBACKS); // as libevent: a pair's callbacks always run deferred
        ReentrantLock shared = set.contains(BevOption.THREADSAFE) ? new ReentrantLock() : null;
        BufferEvent a = new BufferEvent(base, set, base.instrumentation(), shared, PairBackend::new);
        BufferEvent b = new BufferEvent(base, set, base.instrumentation(), shared, PairBackend::new);
        PairBackend.link(a, b);
        born(a);
        born(b);
        return new BufferEvent[] {a, b};
    }

    static BufferEvent filter(BufferEvent underlying, BevFilter input, BevFilter output, BevOption... options) {
        Objects.requireNonNull(underlying, "underlying");
        EventBase base = underlying.base();
        EnumSet<BevOption> set = checkNew(base, options, "filter");
        underlying.checkNotFreed();
        BufferEvent bev = new BufferEvent(base, set, base.instrumentation(), underlying.lockObject(),
                b -> new FilterBackend(b, underlying, input, output));
        born(bev);
        ((FilterBackend) bev.backend).attach();
        return bev;
    }

    /**
     * Puts the engine in client mode for CONNECTING, server mode for ACCEPTING (before anything is
     * built on it).
     *
     * @throws IllegalArgumentException if the engine's handshake has begun and its mode differs
     */
    private static void prepare(SSLEngine engine, BevSslState state) {
        if (state == BevSslState.OPEN) {
            return;
        }
        boolean client = state == BevSslState.CONNECTING;
        if (engine.getUseClientMode() == client) {
            return;
        }
        try {
            engine.setUseClientMode(client);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("engine must not have begun its handshake for state " + state
                    + " (use BevSslState.OPEN for an engine past it): " + e.getMessage(), e);
        }
    }

    /** The options of the hidden socket under an sslSocket: its THREADSAFE (sharing the lock) and CLOSE_ON_FREE. */
    private static EnumSet<BevOption> transportOptions(EnumSet<BevOption> options) {
        EnumSet<BevOption> set = EnumSet.noneOf(BevOption.class);
        for (BevOption o : new BevOption[] {BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE}) {
            if (options.contains(o)) {
                set.add(o);
            }
        }
        return set;
    }

    private static EnumSet<BevOption> checkNew(EventBase base, BevOption[] options, String method) {
        Objects.requireNonNull(base, "base");
        EnumSet<BevOption> set = BevChecks.options(options);
        if (base.isClosed()) {
            throw new IllegalStateException("the EventBase is closed");
        }
        if (!set.contains(BevOption.THREADSAFE) && !base.onLoopOrIdle()) {
            throw BevThreadRules.foreignThread(method);
        }
        return set;
    }

    private static void born(BufferEvent bev) {
        bev.base().addLive(bev);
        bev.instrumentation.created(bev);
    }
}
