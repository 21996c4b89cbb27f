package io.github.bufferevent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * A TLS server on 127.0.0.1: each channel its listener accepts becomes an ACCEPTING
 * bufferevent (THREADSAFE, CLOSE_ON_FREE) with a {@link TlsRecorder} (echoing or not), after
 * {@code setup} had its say.
 */
public final class TlsTestServer implements AutoCloseable {

    public final List<BufferEvent> accepted = new CopyOnWriteArrayList<>();
    public final List<TlsRecorder> recorders = new CopyOnWriteArrayList<>();
    final ConnectionListener listener;

    public TlsTestServer(EventBase base, SSLContext ctx, boolean needClientAuth, boolean echo, Consumer<BufferEvent> setup) throws IOException {
        listener = ConnectionListener.bind(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256, (l, ch, peer) -> {
            try {
                BufferEvent bev = BufferEvent.sslSocket(base, ch, TestPki.serverEngine(ctx, needClientAuth), BevSslState.ACCEPTING,
                        BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
                accepted.add(bev);
                setup.accept(bev);
                recorders.add(echo ? TlsRecorder.echoing(bev) : TlsRecorder.on(bev));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    TlsTestServer(EventBase base, SSLContext ctx) throws IOException {
        this(base, ctx, false, false, b -> { });
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** Whether the first connection has ended (EOF or ERROR). */
    boolean firstEnded() {
        return !recorders.isEmpty() && recorders.get(0).ended();
    }

    TlsRecorder first() {
        return recorders.get(0);
    }

    @Override
    public void close() {
        listener.free();
    }
}
