package io.github.bufferevent;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;

/**
 * What one kind of bufferevent does differently: libevent's {@code bufferevent_ops} (enable,
 * disable, adjust timeouts, flush, destruct, the underlying bufferevent, the channel). The
 * generic {@link BufferEvent} keeps everything the kinds share and calls these slots. Loop
 * thread (or before the loop runs), the bufferevent's lock held, unless a slot says otherwise.
 */
abstract class BevBackend {

    final BufferEvent bev;

    BevBackend(BufferEvent bev) {
        this.bev = bev;
    }

    /** {@code be_ops->enable}: {@code events} were enabled or resumed. */
    void enable(int events) {
        sync();
    }

    /** {@code be_ops->disable}: {@code events} were disabled or suspended. */
    void disable(int events) {
        sync();
    }

    /**
     * Makes the backend's I/O match the bufferevent's state (enabled and suspended directions,
     * pending output, connect state). Called after any change; cheap when nothing changed.
     */
    abstract void sync();

    /** {@code be_ops->adj_timeouts}: the generic timers, unless a kind needs its own. */
    void adjustTimeouts() {
        bev.io.adjustTimers();
    }

    /**
     * {@code be_ops->flush} for the write side: NORMAL and FLUSH move what can move now;
     * FINISHED ({@link BufferEvent#isFinishing()} is already set) drains everything, then ends the
     * write side and calls {@link BufferEvent#finished()}.
     */
    abstract void flushWrite(BevFlush mode);

    /** Bytes were added to the output (from a write or a callback). */
    abstract void outputAdded();

    /** {@code be_ops->destruct}: releases what the kind holds; no callback may run. */
    abstract void destruct();

    /** The base closed without the loop: close what must be closed, from whatever thread closes it; no callback. */
    abstract void baseClosed();

    /**
     * Whether a graceful shutdown finishes this kind even with no output pending: a filter may
     * hold bytes or owe a trailer (deflate's, TLS's close_notify) that only its FINISHED call writes.
     */
    boolean finishesOnShutdown() {
        return false;
    }

    /** The end-of-turn flush the bufferevent asked for ({@link BufferEvent#requestFlush()}). */
    void flushQueued() {
    }

    /** The write timeout expired while connecting: give the connect up. */
    void connectTimedOut() {
    }

    /** {@code bufferevent_get_underlying}: null unless the kind sits on another bufferevent. */
    BufferEvent underlying() {
        return null;
    }

    /** {@code bufferevent_pair_get_partner}: null unless a pair whose partner is still there. Any thread. */
    BufferEvent pairPartner() {
        return null;
    }

    /** {@code bufferevent_getfd}: null unless the kind owns a socket. */
    SocketChannel channel() {
        return null;
    }

    /** {@code bufferevent_socket_connect}; the kind must support it. */
    void connect(SocketAddress address) throws IOException {
        throw new IllegalStateException(this + " cannot connect: it is not a socket bufferevent");
    }

    /** {@code bufferevent_socket_connect_hostname}; the kind must support it. */
    void connectHostname(String host, int port) {
        throw new IllegalStateException(this + " cannot connect: it is not a socket bufferevent");
    }

    /** {@code bufferevent_socket_get_dns_error}. */
    Throwable dnsError() {
        return null;
    }

    /** The peer address or the one being connected to, or null. Any thread. */
    SocketAddress remoteAddress() {
        return null;
    }

    /** What the kind is, for {@link BufferEvent#toString()}. */
    abstract String kind();
}
