package io.github.bufferevent.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback peer for client tests: a blocking server socket, one thread per connection running
 * {@link Conversation}. It can be stopped (connections reset, port closed) and started again on
 * the same port, as a server restart.
 */
final class TestPeer implements AutoCloseable {

    /** What the peer does with one connection. */
    interface Conversation {
        void serve(Socket s, InputStream in, OutputStream out) throws IOException;
    }

    private final Conversation conversation;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    private volatile ServerSocket server;
    private final int port;

    private TestPeer(Conversation conversation, int port) throws IOException {
        this.conversation = conversation;
        this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        this.port = server.getLocalPort();
        acceptIn(server);
    }

    static TestPeer start(Conversation conversation) throws IOException {
        return new TestPeer(conversation, 0);
    }

    /** Answers each LF-ended line with the same line (CR LF kept as sent). */
    static TestPeer lineEcho() throws IOException {
        return start((s, in, out) -> {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        });
    }

    /** Reads and never answers. */
    static TestPeer silent() throws IOException {
        return start((s, in, out) -> {
            byte[] buf = new byte[8192];
            while (in.read(buf) > 0) {
                // swallow
            }
        });
    }

    private void acceptIn(ServerSocket ss) {
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    s.setTcpNoDelay(true);
                    sockets.add(s);
                    accepted.incrementAndGet();
                    Thread c = new Thread(() -> {
                        try (s) {
                            conversation.serve(s, s.getInputStream(), s.getOutputStream());
                        } catch (IOException closed) {
                            // the test closed it, or the client went away
                        }
                    }, "test-peer-conn");
                    c.setDaemon(true);
                    c.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "test-peer-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return port;
    }

    /** Resets every connection and closes the port. */
    void stop() throws IOException {
        server.close();
        for (Socket s : sockets) {
            if (!s.isClosed()) {
                try {
                    s.setSoLinger(true, 0);
                } catch (IOException alreadyGone) {
                    // closed by its conversation meanwhile
                }
                s.close();
            }
        }
        sockets.clear();
    }

    /** Listens on the same port again. */
    void restart() throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server = ss;
        acceptIn(ss);
    }

    /** Closes every open connection (FIN), keeping the port open. */
    void closeConnections() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
    }

    @Override
    public void close() throws IOException {
        stop();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A port with nothing listening. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
