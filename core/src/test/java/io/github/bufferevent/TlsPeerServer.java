package io.github.bufferevent;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;

/**
 * JDK TLS peers for tests: a {@link LoopbackPeer} on an {@link SSLServerSocket} (127.0.0.1,
 * ephemeral port), each accepted connection served by a handler on its own thread; what a handler
 * throws is in the peer's {@link LoopbackPeer#failures()}.
 */
final class TlsPeerServer {

    /** Serves one TLS connection; it may throw what the JDK's TLS and digest calls throw. */
    @FunctionalInterface
    interface Handler {
        void serve(SSLSocket socket) throws Exception;
    }

    private TlsPeerServer() {
    }

    static LoopbackPeer start(SSLContext context, boolean needClientAuth, Handler handler) {
        PeerBehavior behavior = (s, in, out) -> {
            try {
                handler.serve((SSLSocket) s);
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) { // a checked one of the handler's (a digest missing, say): the connection fails
                throw new IOException(e);
            }
        };
        return LoopbackPeer.start(behavior, new TlsSockets(context.getServerSocketFactory(), needClientAuth));
    }

    /** Echoes every byte back until the client closes, then closes (with close_notify). */
    static LoopbackPeer echo(SSLContext context, boolean needClientAuth) {
        return LoopbackPeer.start(PeerBehavior.echo(), new TlsSockets(context.getServerSocketFactory(), needClientAuth));
    }

    /** The context's TLS server sockets, asking for a client certificate or not. */
    private static final class TlsSockets extends ServerSocketFactory {
        private final SSLServerSocketFactory tls;
        private final boolean needClientAuth;

        TlsSockets(SSLServerSocketFactory tls, boolean needClientAuth) {
            this.tls = tls;
            this.needClientAuth = needClientAuth;
        }

        private ServerSocket configured(ServerSocket s) {
            ((SSLServerSocket) s).setNeedClientAuth(needClientAuth);
            return s;
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return configured(tls.createServerSocket());
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return configured(tls.createServerSocket(port));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return configured(tls.createServerSocket(port, backlog));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return configured(tls.createServerSocket(port, backlog, address));
        }
    }
}
