package io.github.bufferevent.client;

import java.util.concurrent.RejectedExecutionException;

/**
 * How a client ends. Its own close: writes are refused at once, what waits for a connection
 * fails, each connection drains its output and shuts its write side down, and the client is
 * closed once every connection has ended. Its event base closing under it: everything that waits
 * fails at once, since no loop is left to answer it.
 *
 * <p>Threads: {@link #close} from any; the sequence on the loop thread; {@link #baseClosed} on the
 * thread closing the base.
 */
final class ClientShutdown {

    private final ClientSettings settings;
    private final Lifecycle lifecycle;
    private final ConnectionPool pool;
    private final RequestRouter router;
    private final CallInbox inbox;
    private final HeldBytes held;
    /** The base's close hook: runs on the thread closing the base. */
    private final Runnable baseClosed = this::baseClosed;

    ClientShutdown(ClientSettings settings, Lifecycle lifecycle, ConnectionPool pool, RequestRouter router, CallInbox inbox,
            HeldBytes held) {
        this.settings = settings;
        this.lifecycle = lifecycle;
        this.pool = pool;
        this.router = router;
        this.inbox = inbox;
        this.held = held;
        settings.base.addCloseHook(baseClosed);
    }

    /** Any thread; never waits. Does nothing if the close had begun before. */
    void close() {
        int now = lifecycle.beginClose();
        if (now < 0) {
            return;
        }
        if (now == Lifecycle.CLOSED) {
            settings.base.removeCloseHook(baseClosed);
        }
        lifecycle.failFirstConnect();
        held.failWaiters();
        try {
            CallInbox.runOnLoop(settings.base, this::closeOnLoop);
        } catch (RejectedExecutionException baseClosed) {
            lifecycle.closed();
        }
    }

    /** Loop thread: what waits for a connection fails; each connection drains, then ends. */
    private void closeOnLoop() {
        inbox.drain();
        router.close();
        pool.closeAll();
        endIfAllClosed();
    }

    /** Loop thread: a closing client is closed once every connection has ended. */
    void endIfAllClosed() {
        if (!lifecycle.closing() || !pool.allClosed()) {
            return;
        }
        lifecycle.closed();
        pool.ended();
        settings.base.removeCloseHook(baseClosed);
    }

    /** The base closed under the client: nothing the client holds may be left waiting. */
    private void baseClosed() {
        ExchangeRejectedException why = new ExchangeRejectedException("client '" + settings.name + "': the event base closed");
        pool.baseClosed();
        router.failPending(why);
        inbox.refuseAll(why);
        lifecycle.closed();
        pool.ended();
        lifecycle.baseClosed();
        held.failWaiters();
    }
}
