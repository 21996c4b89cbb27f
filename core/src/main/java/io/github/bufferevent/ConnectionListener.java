package io.github.bufferevent;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * libevent's {@code evconnlistener}: a listening socket on an {@link EventBase} that hands each
 * accepted connection to an {@link AcceptCallback}, where it typically becomes a
 * {@link BufferEvent}. An accept error (for example too many open files) goes to the
 * {@link ErrorCallback} and pauses accepting for a moment instead of spinning (libevent issue #71).
 *
 * <p>Threads: callbacks run on the loop thread. Every method may be called from any thread; calls
 * from a foreign thread are handed over to the loop.
 */
public final class ConnectionListener implements AutoCloseable {

    /** {@code evconnlistener_cb}: a connection was accepted; the channel is non-blocking. */
    @FunctionalInterface
    public interface AcceptCallback {
        /** Called on the loop thread; the callback owns {@code channel} from now on. */
        void onAccept(ConnectionListener listener, SocketChannel channel, SocketAddress peer);
    }

    /** {@code evconnlistener_errorcb}: accepting failed; accepting resumes after a pause. */
    @FunctionalInterface
    public interface ErrorCallback {
        /** Called on the loop thread. */
        void onError(ConnectionListener listener, IOException cause);
    }

    private static final int ACCEPTS_PER_TURN = 64;
    static final Duration DEFAULT_ERROR_PAUSE = Duration.ofSeconds(1);

    private final EventBase base;
    private final ServerSocketChannel server;
    private final SocketAddress localAddress;
    private volatile AcceptCallback acceptCb;
    private volatile ErrorCallback errorCb;
    private volatile boolean enabled = true;
    private volatile boolean freed;
    private volatile long errorPauseNanos = DEFAULT_ERROR_PAUSE.toNanos();
    private final ChannelRegistration registration;
    private boolean paused;
    private volatile long callbackErrors;
    private final TimerHeap.Timer resumeTimer = new TimerHeap.Timer(this::resumeAfterError);

    private ConnectionListener(EventBase base, ServerSocketChannel server, AcceptCallback acceptCb, ErrorCallback errorCb)
            throws IOException {
        this.base = base;
        this.server = server;
        this.localAddress = server.getLocalAddress();
        this.acceptCb = acceptCb;
        this.errorCb = errorCb;
        this.registration = new ChannelRegistration(base, handler);
    }

    /** {@code evconnlistener_new_bind()} without an error callback. */
    public static ConnectionListener bind(EventBase base, SocketAddress address, int backlog, AcceptCallback acceptCallback)
            throws IOException {
        return bind(base, address, backlog, acceptCallback, null);
    }

    /**
     * {@code evconnlistener_new_bind()}: binds a non-blocking listening socket (SO_REUSEADDR on)
     * and starts accepting.
     *
     * @param address where to listen; port 0 picks a free port (see {@link #localAddress()})
     * @param backlog the accept queue length; -1 or 0 for the system default
     * @throws IllegalArgumentException if backlog is below -1
     * @throws IOException if the socket cannot be bound
     */
    public static ConnectionListener bind(EventBase base, SocketAddress address, int backlog, AcceptCallback acceptCallback,
            ErrorCallback errorCallback) throws IOException {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(address, "address");
        if (backlog < -1) {
            throw new IllegalArgumentException("backlog must be >= -1 (-1 or 0 = system default), was " + backlog);
        }
        if (base.isClosed()) {
            throw new IllegalStateException("the EventBase is closed");
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        ConnectionListener listener;
        try {
            server.configureBlocking(false);
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(address, Math.max(0, backlog));
            listener = new ConnectionListener(base, server, acceptCallback, errorCallback);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        base.addListener(listener);
        base.runOnLoop(listener::register);
        return listener;
    }

    private void register() {
        if (freed) {
            return;
        }
        try {
            registration.register(server);
            refresh();
        } catch (IOException | IllegalStateException e) {
            LoopLog.log(System.Logger.Level.ERROR, "cannot register listener on " + localAddress, e);
        }
    }

    /** {@code evconnlistener_enable()}: accept again. */
    public void enable() {
        enabled = true;
        base.runOnLoop(this::refresh);
    }

    /** {@code evconnlistener_disable()}: stop accepting (connections queue in the backlog). */
    public void disable() {
        enabled = false;
        base.runOnLoop(this::refresh);
    }

    /** Whether accepting is enabled (it may still be paused after an error). Any thread. */
    public boolean isEnabled() {
        return enabled && !freed;
    }

    /** {@code evconnlistener_set_cb()}: replaces the accept callback (null: accepted channels are closed). */
    public void setAcceptCallback(AcceptCallback callback) {
        this.acceptCb = callback;
    }

    /** {@code evconnlistener_set_error_cb()}: replaces the error callback (null: errors are logged). */
    public void setErrorCallback(ErrorCallback callback) {
        this.errorCb = callback;
    }

    /**
     * How long accepting pauses after an accept error (default one second).
     *
     * @throws IllegalArgumentException if negative
     */
    public void setErrorPause(Duration pause) {
        this.errorPauseNanos = EventBase.checkDelay("pause", pause);
    }

    /** {@code evconnlistener_get_fd()}'s address: where the listener is bound. Any thread. */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /**
     * How many times the accept callback threw. Each time, the channel it was given is closed,
     * since the callback cannot be trusted to have taken it over. Any thread.
     */
    public long acceptCallbackErrors() {
        return callbackErrors;
    }

    /** {@code evconnlistener_get_base()}. */
    public EventBase base() {
        return base;
    }

    /** {@code evconnlistener_free()}: stops accepting and closes the listening socket. Idempotent. */
    public void free() {
        if (freed) {
            return;
        }
        freed = true;
        try {
            base.runOnLoop(this::release);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the base is closing and closes every listener itself
        }
    }

    /** Same as {@link #free()}. */
    @Override
    public void close() {
        free();
    }

    private void release() {
        base.cancel(resumeTimer);
        registration.cancel();
        base.removeListener(this);
        closeServer();
    }

    void onBaseClosed() {
        freed = true;
        closeServer();
    }

    private void closeServer() {
        try {
            server.close();
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.DEBUG, "closing listener failed", e);
        }
    }

    private void refresh() {
        if (!freed) {
            registration.interest(enabled && !paused ? SelectionKey.OP_ACCEPT : 0);
        }
    }

    private void resumeAfterError() {
        paused = false;
        refresh();
    }

    private void acceptReady() {
        for (int i = 0; i < ACCEPTS_PER_TURN && !freed && enabled && !paused; i++) {
            SocketChannel ch;
            SocketAddress peer;
            try {
                ch = server.accept();
            } catch (IOException e) {
                onAcceptError(e);
                return;
            }
            if (ch == null) {
                return;
            }
            try {
                ch.configureBlocking(false);
                peer = ch.getRemoteAddress();
            } catch (IOException e) {
                // This connection failed (e.g. reset before we looked at it), not the listener:
                // close it rather than leak it, and go on accepting the others.
                closeQuietly(ch);
                LoopLog.log(System.Logger.Level.DEBUG, "dropping an accepted connection that failed setup", e);
                continue;
            }
            AcceptCallback cb = acceptCb;
            if (cb == null) {
                closeQuietly(ch);
                continue;
            }
            try {
                cb.onAccept(this, ch, peer);
            } catch (Throwable t) {
                // The callback did not take the channel over: nobody else will close it.
                callbackErrors++;
                closeQuietly(ch);
                LoopLog.log(System.Logger.Level.ERROR, "the accept callback of " + this + " threw; the connection from "
                        + peer + " is closed and the loop goes on", t);
            }
        }
    }

    private void onAcceptError(IOException e) {
        paused = true;
        refresh();
        base.schedule(resumeTimer, errorPauseNanos);
        ErrorCallback cb = errorCb;
        if (cb == null) {
            LoopLog.log(System.Logger.Level.WARNING, "accept failed on " + localAddress + "; pausing "
                    + Duration.ofNanos(errorPauseNanos).toMillis() + " ms", e);
            return;
        }
        try {
            cb.onError(this, e);
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.ERROR, "the error callback of " + this + " threw; the loop goes on", t);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.DEBUG, "closing an accepted channel failed", e);
        }
    }

    private final IoHandler handler = new IoHandler() {
        @Override
        public void onReady(int readyOps) {
            acceptReady();
        }

        @Override
        public void onBaseClosed() {
            ConnectionListener.this.onBaseClosed();
        }

        @Override
        public String toString() {
            return ConnectionListener.this.toString();
        }
    };

    @Override
    public String toString() {
        return "ConnectionListener[" + localAddress + (freed ? ", freed" : enabled ? "" : ", disabled") + "]";
    }
}
