package io.github.bufferevent.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A peer the test controls, on a loopback ephemeral port, with plain blocking sockets (so it
 * shares nothing with the code under test): {@link #echo()} sends back every byte it receives
 * (whole lines in, whole lines out); {@link #silent()} leaves its connections in the kernel's
 * backlog and never reads or answers.
 * {@link #kill()} closes the listening socket and every connection at once, as a crashed server
 * would. Its threads are daemons and end when their socket closes. Any thread may call it.
 */
final class TestLinePeer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    private TestLinePeer(boolean answers) {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (answers) {
            Thread acceptor = new Thread(this::acceptLoop, "test-peer-accept-" + port());
            acceptor.setDaemon(true);
            acceptor.start();
        }
        // A silent peer never accepts: the kernel completes the connects from its backlog.
    }

    static TestLinePeer echo() {
        return new TestLinePeer(true);
    }

    static TestLinePeer silent() {
        return new TestLinePeer(false);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.add(s);
                Thread t = new Thread(() -> echo(s), "test-peer-echo-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void echo(Socket s) {
        byte[] buf = new byte[16 * 1024];
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException closed) {
            // killed, or the client went away
        }
    }

    /** Closes the listening socket and every accepted connection (with a reset). */
    void kill() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    @Override
    public void close() {
        kill();
    }
}
