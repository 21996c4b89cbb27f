package io.github.bufferevent.client;

import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import java.util.concurrent.RejectedExecutionException;

/**
 * The instrumentation of a client's factory, watching what it frees: a connection's bufferevent
 * freed by someone else (the client forgets its own before it frees it), without any event to say
 * so, is a lost connection, so nothing waiting on it is left hanging. Everything is passed on to
 * the factory's own instrumentation.
 *
 * <p>Threads: as {@link Instrumentation}: {@link #freed} on the thread that freed the
 * bufferevent; the connection hears of it on the loop thread.
 */
final class FreedWatch implements Instrumentation {

    private final Instrumentation delegate;
    private final EventBase base;
    private final ConnectionPool pool;

    FreedWatch(Instrumentation delegate, EventBase base, ConnectionPool pool) {
        this.delegate = delegate;
        this.base = base;
        this.pool = pool;
    }

    @Override
    public void freed(BufferEvent bev) {
        delegate.freed(bev);
        if (base.isClosed()) {
            return; // the close hook fails what waits
        }
        ClientConnection c = pool.publishing(bev);
        if (c != null) {
            try {
                base.execute(() -> c.freedByOthers(bev));
            } catch (RejectedExecutionException closing) {
                // the close hook takes over
            }
        }
    }

    @Override
    public void created(BufferEvent bev) {
        delegate.created(bev);
    }

    @Override
    public void connectStarted(BufferEvent bev) {
        delegate.connectStarted(bev);
    }

    @Override
    public void connectSucceeded(BufferEvent bev, long nanos) {
        delegate.connectSucceeded(bev, nanos);
    }

    @Override
    public void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
        delegate.connectFailed(bev, outcome, cause, nanos);
    }

    @Override
    public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
        delegate.error(bev, kind, cause);
    }

    @Override
    public void eof(BufferEvent bev) {
        delegate.eof(bev);
    }

    @Override
    public void timeout(BufferEvent bev, int what) {
        delegate.timeout(bev, what);
    }

    @Override
    public void bytesRead(BufferEvent bev, long n) {
        delegate.bytesRead(bev, n);
    }

    @Override
    public void bytesWritten(BufferEvent bev, long n) {
        delegate.bytesWritten(bev, n);
    }

    @Override
    public void rateLimitSuspended(BufferEvent bev, int direction) {
        delegate.rateLimitSuspended(bev, direction);
    }

    @Override
    public void handshakeStarted(BufferEvent bev) {
        delegate.handshakeStarted(bev);
    }

    @Override
    public void handshakeFinished(BufferEvent bev, HandshakeOutcome outcome, Throwable cause, long nanos) {
        delegate.handshakeFinished(bev, outcome, cause, nanos);
    }

    @Override
    public void loopTurn(EventBase b, long nanos) {
        delegate.loopTurn(b, nanos);
    }
}
