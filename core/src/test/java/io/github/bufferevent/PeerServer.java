package io.github.bufferevent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A blocking peer for tests: a {@link ServerSocket} on 127.0.0.1 with an ephemeral port whose
 * accepted connections are each served by a handler on their own thread.
 */
final class PeerServer implements AutoCloseable {

    @FunctionalInterface
    interface Handler {
        void serve(Socket socket) throws Exception;
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    private PeerServer(ServerSocket server, Handler handler) {
        this.server = server;
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    Thread t = new Thread(() -> {
                        try {
                            handler.serve(s);
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }, "peer-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "peer-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static PeerServer start(Handler handler) throws IOException {
        return new PeerServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), handler);
    }

    /** Serves the connections {@code server} (bound already: a TLS server socket, say) accepts. */
    static PeerServer on(ServerSocket server, Handler handler) {
        return new PeerServer(server, handler);
    }

    /** Reads everything until EOF and completes the future with it. */
    static PeerServer readingAll(CompletableFuture<byte[]> received) throws IOException {
        return start(s -> {
            try (s) {
                received.complete(s.getInputStream().readAllBytes());
            }
        });
    }

    /** Echoes every byte back until EOF. */
    static PeerServer echo() throws IOException {
        return start(PeerServer::echoUntilEof);
    }

    /** Echoes every byte {@code s} reads back until EOF, then closes it. */
    static void echoUntilEof(Socket s) throws IOException {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        }
    }

    /** Sends {@code data}, then closes. */
    static PeerServer sending(byte[] data) throws IOException {
        return start(s -> {
            try (s) {
                s.getOutputStream().write(data);
                s.getOutputStream().flush();
            }
        });
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    int port() {
        return server.getLocalPort();
    }

    List<Throwable> failures() {
        return new ArrayList<>(failures);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** A port on 127.0.0.1 with nothing listening (bound, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }
}
