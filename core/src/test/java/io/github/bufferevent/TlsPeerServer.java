package io.github.bufferevent;

import java.io.IOException;
import java.net.InetAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * JDK TLS peers for tests: a {@link PeerServer} on an {@link SSLServerSocket} (127.0.0.1,
 * ephemeral port), each accepted connection served by a handler on its own thread.
 */
final class TlsPeerServer {

    @FunctionalInterface
    interface Handler {
        void serve(SSLSocket socket) throws Exception;
    }

    private TlsPeerServer() {
    }

    static PeerServer start(SSLContext context, boolean needClientAuth, Handler handler) throws IOException {
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(needClientAuth);
        return PeerServer.on(server, s -> handler.serve((SSLSocket) s));
    }

    /** Echoes every byte back until the client closes, then closes (with close_notify). */
    static PeerServer echo(SSLContext context, boolean needClientAuth) throws IOException {
        return start(context, needClientAuth, PeerServer::echoUntilEof);
    }
}
