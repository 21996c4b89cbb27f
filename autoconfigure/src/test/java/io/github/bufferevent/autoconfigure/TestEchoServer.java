package io.github.bufferevent.autoconfigure;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A blocking loopback peer for the starter tests: echoes every byte back and records everything it
 * received. It can be stopped (closing every connection) and started again on the same port.
 */
public final class TestEchoServer implements AutoCloseable {

    private final int port;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private volatile boolean echo = true;
    private volatile int readDelayMillis;

    private TestEchoServer(int port) throws IOException {
        this.port = port;
        start();
    }

    /** A server on an ephemeral port. */
    public static TestEchoServer start0() throws IOException {
        return new TestEchoServer(0);
    }

    /** Only record, do not echo. */
    TestEchoServer recordOnly() {
        this.echo = false;
        return this;
    }

    /** Sleep this long between reads: a slow reader, so the client's output backs up. */
    TestEchoServer slowReader(int millis) {
        this.readDelayMillis = millis;
        return this;
    }

    synchronized void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), server == null ? port : server.getLocalPort()), 50);
        server = s;
        Thread acceptor = new Thread(() -> acceptLoop(s), "test-echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket c = s.accept();
                sockets.add(c);
                Thread t = new Thread(() -> serve(c), "test-echo-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket c) {
        try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (received) {
                    received.write(buf, 0, n);
                }
                if (echo) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                if (readDelayMillis > 0) {
                    Thread.sleep(readDelayMillis); // simulates a slow peer, not test synchronisation
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // connection closed
        }
    }

    /** Closes the listening socket and every connection. */
    synchronized void stop() throws IOException {
        server.close();
        for (Socket s : sockets) {
            if (!s.isClosed()) {
                try {
                    s.setSoLinger(true, 0); // reset, as a crashed server would
                } catch (IOException alreadyClosed) {
                    // closed by its connection thread meanwhile
                }
                s.close();
            }
        }
        sockets.clear();
    }

    public int port() {
        return server.getLocalPort();
    }

    byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    String receivedText() {
        return new String(received(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
