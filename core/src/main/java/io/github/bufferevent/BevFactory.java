package io.github.bufferevent;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

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
        BufferEvent bev = new BufferEvent(base, set, instrumentation, null, b -> new SocketBackend(b, channel));
        if (channel != null && channel.isConnected()) {
            bev.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTED);
            ((SocketBackend) bev.backend).markConnected();
        }
        born(bev);
        if (channel != null) {
            bev.update();
        }
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
