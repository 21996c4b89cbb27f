package io.github.bufferevent.demo;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BevSslState;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.ConnectionListener;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EventBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;

/**
 * A peer in the demo's own process, built on the core library: a {@link ConnectionListener} on
 * the loopback address and one socket {@link BufferEvent} per connection, on an
 * {@link EventBase} with a thread of its own. What it answers is its {@link ServerProtocol}'s
 * job; this class accepts, keeps each connection's buffers bounded and frees connections that
 * end. Started before the Spring context (see {@link EmbeddedServersEnvironmentPostProcessor}),
 * so a client can point at its port.
 *
 * <p>It can also listen with TLS on a second port ({@link #listenTls}), answering exactly as on
 * the plain one: each accepted channel becomes a {@link BevSslState#ACCEPTING} bufferevent. That
 * listener binds at once (so its port is known before the context) but accepts only once
 * {@link #acceptTls} has given it the engines (the context's SSL bundle); connections made before
 * wait in its accept queue. A handshake must finish within {@link #HANDSHAKE_TIMEOUT}.
 *
 * <p>Bounds: reading pauses while a connection holds {@link #MAX_INPUT} unread bytes, and stops
 * while {@link #MAX_OUTPUT} bytes of replies wait for a peer that does not read, until they drain
 * to {@link #RESUME_OUTPUT}.
 *
 * <p>Threads: construct, {@link #port()} and {@link #close()} on any thread; the callbacks run on
 * the server's loop thread.
 */
final class EmbeddedServer implements AutoCloseable {

    static final long MAX_INPUT = 128 * 1024;
    static final long MAX_OUTPUT = 256 * 1024;
    static final long RESUME_OUTPUT = 64 * 1024;
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final ServerProtocol protocol;
    private final EventBase base;
    private final ConnectionListener listener;
    private volatile ConnectionListener tlsListener;
    private volatile Supplier<SSLEngine> tlsEngines;

    /**
     * Binds 127.0.0.1 (the loopback address) at {@code port}, 0 for one the system chooses, and
     * starts the loop on a daemon thread named {@code threadName}.
     *
     * @throws UncheckedIOException if the port cannot be bound
     */
    EmbeddedServer(String threadName, int port, ServerProtocol protocol) {
        this.name = threadName;
        this.protocol = protocol;
        this.base = EventBase.builder().threadName(threadName).daemon(true).build();
        try {
            listener = ConnectionListener.bind(base, loopback(port), 128, this::accept);
        } catch (IOException e) {
            base.close();
            throw new UncheckedIOException("cannot start the embedded server " + threadName + " on port " + port, e);
        }
        base.start();
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * Binds a second, TLS listener on 127.0.0.1 at {@code port} (0: one the system chooses), which
     * accepts nothing until {@link #acceptTls}. Call once, before the server is used.
     *
     * @return its port
     * @throws IllegalStateException if it already listens with TLS
     * @throws UncheckedIOException if the port cannot be bound
     */
    int listenTls(int port) {
        if (tlsListener != null) {
            throw new IllegalStateException(this + " already listens with TLS on port " + tlsPort());
        }
        try {
            ConnectionListener tls = ConnectionListener.bind(base, loopback(port), 128, this::acceptTls);
            tls.disable(); // until the engines come (the connections queue in the backlog meanwhile)
            tlsListener = tls;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen with TLS for the embedded server " + name + " on port " + port, e);
        }
        return tlsPort();
    }

    /**
     * Starts accepting on the TLS listener; {@code engines} makes one server-side engine per
     * connection (called on the loop thread: it must not block).
     *
     * @throws IllegalStateException if {@link #listenTls} was not called
     */
    void acceptTls(Supplier<SSLEngine> engines) {
        ConnectionListener tls = tlsListener;
        if (tls == null) {
            throw new IllegalStateException(this + " does not listen with TLS (listenTls was not called)");
        }
        tlsEngines = engines;
        tls.enable();
    }

    /** Whether it has a TLS listener that waits for {@link #acceptTls}. */
    boolean awaitsTls() {
        ConnectionListener tls = tlsListener;
        return tls != null && !tls.isEnabled();
    }

    /** The TLS listener's port, or 0 without one. */
    int tlsPort() {
        ConnectionListener tls = tlsListener;
        return tls == null ? 0 : ((InetSocketAddress) tls.localAddress()).getPort();
    }

    private void accept(ConnectionListener l, SocketChannel channel, SocketAddress peer) {
        BufferEvent bev;
        try {
            bev = BufferEvent.socket(base, channel, BevOption.CLOSE_ON_FREE);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the listener closes the channel
        }
        serve(bev);
    }

    private void acceptTls(ConnectionListener l, SocketChannel channel, SocketAddress peer) {
        BufferEvent bev;
        try {
            bev = BufferEvent.sslSocket(base, channel, tlsEngines.get(), BevSslState.ACCEPTING, BevOption.CLOSE_ON_FREE);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the listener closes the channel
        }
        bev.setConnectTimeout(HANDSHAKE_TIMEOUT); // bounds the handshake only: it ends at CONNECTED
        serve(bev);
    }

    private void serve(BufferEvent bev) {
        bev.setCallbacks(this::onRead, EmbeddedServer::onDrained, EmbeddedServer::onEvent);
        bev.setWatermark(Ev.READ, 0, MAX_INPUT);
        bev.setWatermark(Ev.WRITE, RESUME_OUTPUT, 0);
        bev.enable(Ev.READ);
    }

    private void onRead(BufferEvent bev) {
        if (!protocol.answer(bev.input(), bev.output())) {
            bev.free(); // garbage: nothing after it can be trusted
            return;
        }
        if (bev.output().length() > MAX_OUTPUT) {
            bev.disable(Ev.READ); // the peer does not read its replies: stop taking requests
        }
    }

    /** The output drained to {@link #RESUME_OUTPUT}: take requests again. */
    private static void onDrained(BufferEvent bev) {
        if ((bev.enabled() & Ev.READ) == 0) {
            bev.enable(Ev.READ);
        }
    }

    private static void onEvent(BufferEvent bev, int events) {
        if ((events & (BevEvent.EOF | BevEvent.ERROR | BevEvent.TIMEOUT)) != 0) {
            bev.free();
        }
    }

    /** The port it listens on. */
    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Drains what it still has to send (at most 2 s), then stops its loop thread. */
    @Override
    public void close() {
        base.shutdownGracefully(Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        int tls = tlsPort();
        return "EmbeddedServer[" + name + " on 127.0.0.1:" + port() + (tls == 0 ? "" : ", TLS on " + tls) + "]";
    }
}
