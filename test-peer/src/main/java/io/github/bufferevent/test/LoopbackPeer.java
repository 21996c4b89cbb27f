package io.github.bufferevent.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ServerSocketFactory;

/**
 * A real TCP server on the loopback interface for a test, with plain blocking sockets and a
 * thread per connection (it shares nothing with the code under test): each accepted connection is
 * served by a {@link PeerBehavior} (echo, line echo, length-field echo, scripted replies, silent,
 * close or reset after N bytes, or your own). It records every byte it receives, can be stopped
 * (every connection reset, as a crashed server's) and started again on the same port, for
 * reconnect tests. Every wait it offers is bounded.
 *
 * <p>Start one with {@link #start(PeerBehavior)} and close it (try-with-resources), or let
 * {@link LoopbackServer @LoopbackServer} / {@link LoopbackServerExtension} do both around a test.
 *
 * <p>Threads: any thread may call any method. Its threads are daemons named after its port, and
 * end when their socket closes.
 */
public final class LoopbackPeer implements AutoCloseable {

    private final PeerBehavior behavior;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final Map<Socket, Thread> threads = new ConcurrentHashMap<>();
    /** Connections {@link #stop()} resets: their thread closes them with a RST once the behaviour returns. */
    private final Set<Socket> resetting = ConcurrentHashMap.newKeySet();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final ServerSocketFactory sockets;
    private final int requestedPort;
    private volatile ServerSocket server;
    private volatile Thread acceptor;
    private volatile int port;
    private volatile long readPauseNanos;
    private int accepted; // guarded by received
    private boolean closed;

    private LoopbackPeer(PeerBehavior behavior, int port, ServerSocketFactory sockets) {
        this.behavior = Objects.requireNonNull(behavior, "behavior");
        this.sockets = Objects.requireNonNull(sockets, "sockets");
        this.requestedPort = port;
    }

    /** A peer on an ephemeral loopback port, accepting at once. */
    public static LoopbackPeer start(PeerBehavior behavior) {
        return start(behavior, 0);
    }

    /** A peer on {@code port} of the loopback interface (0: an ephemeral one), accepting at once. */
    public static LoopbackPeer start(PeerBehavior behavior, int port) {
        return start(behavior, port, ServerSocketFactory.getDefault());
    }

    /**
     * A peer on an ephemeral loopback port whose listening socket {@code sockets} makes (unbound,
     * by {@link ServerSocketFactory#createServerSocket()}): an {@code SSLServerSocketFactory} for a
     * TLS server, say; the behaviour then reads and writes plaintext.
     */
    public static LoopbackPeer start(PeerBehavior behavior, ServerSocketFactory sockets) {
        return start(behavior, 0, sockets);
    }

    private static LoopbackPeer start(PeerBehavior behavior, int port, ServerSocketFactory sockets) {
        LoopbackPeer peer = new LoopbackPeer(behavior, port, sockets);
        peer.restart();
        return peer;
    }

    /**
     * A port of the loopback interface with nothing listening on it (bound, then released at
     * once): a connect to it is refused, unless something else took it meanwhile.
     */
    public static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a loopback port", e);
        }
    }

    /**
     * Pauses this long after each read, on every connection: a slow reader, so the client's
     * output backs up (0, the default: none). Returns this peer.
     */
    public LoopbackPeer readPause(Duration pause) {
        this.readPauseNanos = pause.toNanos();
        return this;
    }

    /**
     * Listens again, on the port it had (after {@link #stop()}); does nothing if it listens.
     *
     * @throws UncheckedIOException if the port cannot be bound
     * @throws IllegalStateException if the peer was closed
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("this LoopbackPeer is closed");
        }
        if (server != null && !server.isClosed()) {
            return;
        }
        try {
            ServerSocket s = sockets.createServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port != 0 ? port : requestedPort), 50);
            server = s;
            port = s.getLocalPort();
            Thread t = new Thread(() -> acceptLoop(s), "loopback-peer-" + port + "-accept");
            t.setDaemon(true);
            acceptor = t;
            t.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on loopback port " + port, e);
        }
    }

    /**
     * Stops listening and resets every open connection (RST, as a crashed server's): the client
     * sees an error, and its reconnect attempts are refused until {@link #restart()}.
     */
    public synchronized void stop() {
        ServerSocket s = server;
        if (s != null) {
            closeQuietly(s);
        }
        // The listening socket really closes only once the accepting thread has left accept():
        // wait for it, so a connect right after stop() is refused.
        Thread a = acceptor;
        if (a != null) {
            try {
                a.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Closing a socket another thread is blocked reading sends a FIN, not the RST we ask for:
        // shut the input down instead (the blocked read sees EOF, the behaviour returns), and let
        // the connection's own thread reset it. One that does not finish in time is closed here.
        List<Socket> open = List.copyOf(connections);
        resetting.addAll(open);
        for (Socket c : open) {
            try {
                c.shutdownInput();
            } catch (IOException alreadyClosed) {
                // closed by its connection thread meanwhile
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (Socket c : open) {
            Thread t = threads.get(c);
            if (t != null) {
                try {
                    TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (Socket c : connections) {
            reset(c);
        }
        connections.clear();
    }

    private static void reset(Socket c) {
        try {
            c.setSoLinger(true, 0);
        } catch (IOException alreadyClosed) {
            // closed meanwhile
        }
        closeQuietly(c);
    }

    /** Stops (see {@link #stop()}) for good. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        stop();
    }

    /** Whether it listens now. */
    public boolean isRunning() {
        ServerSocket s = server;
        return s != null && !s.isClosed();
    }

    /** The port it listens on (the same after a restart). */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1} (or the machine's loopback address): the host to point a client at. */
    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** The behaviour serving each connection. */
    public PeerBehavior behavior() {
        return behavior;
    }

    /** Every byte received so far, over all connections, in arrival order. */
    public byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    /** {@link #received()} as UTF-8 text. */
    public String receivedText() {
        return new String(received(), StandardCharsets.UTF_8);
    }

    /** Connections accepted so far (since it was made, across restarts). */
    public int accepted() {
        synchronized (received) {
            return accepted;
        }
    }

    /**
     * Every exception a behaviour ended a connection with, in the order they came: the
     * {@link IOException} of a client that went away as well as an {@link AssertionError} or a
     * bug in a behaviour of yours. The connection just ends; a test that wants a clean run asserts
     * this is empty.
     */
    public List<Throwable> failures() {
        return List.copyOf(failures);
    }

    /** Connections open now. */
    public int openConnections() {
        return (int) connections.stream().filter(c -> !c.isClosed()).count();
    }

    /**
     * Waits until at least {@code bytes} bytes were received in all, and returns everything
     * received.
     *
     * @throws AssertionError if they did not come within {@code timeout}, saying what did
     */
    public byte[] awaitReceived(int bytes, Duration timeout) {
        synchronized (received) {
            awaitLocked(() -> received.size() >= bytes, timeout, () -> "received " + received.size() + " of " + bytes + " bytes");
            return received.toByteArray();
        }
    }

    /**
     * Waits until what was received, as UTF-8 text, contains {@code text}.
     *
     * @throws AssertionError if it did not within {@code timeout}, saying what was received
     */
    public void awaitReceived(String text, Duration timeout) {
        synchronized (received) {
            awaitLocked(() -> received.toString(StandardCharsets.UTF_8).contains(text), timeout,
                    () -> "received " + quote(received.toString(StandardCharsets.UTF_8)) + ", which does not contain " + quote(text));
        }
    }

    /**
     * Waits until at least {@code n} connections were accepted in all.
     *
     * @throws AssertionError if not within {@code timeout}
     */
    public void awaitAccepted(int n, Duration timeout) {
        synchronized (received) {
            awaitLocked(() -> accepted >= n, timeout, () -> "accepted " + accepted + " of " + n + " connections");
        }
    }

    private void awaitLocked(java.util.function.BooleanSupplier done, Duration timeout, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(this + ": after " + timeout.toMillis() + " ms, " + what.get());
                }
                TimeUnit.NANOSECONDS.timedWait(received, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting: " + what.get(), e);
        }
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException closed) {
                return;
            }
            try {
                c.setTcpNoDelay(true); // a behaviour flushes what it means to send now
            } catch (IOException alreadyGone) {
                // the client reset it already: the behaviour will see that
            }
            connections.add(c);
            synchronized (received) {
                accepted++;
                received.notifyAll();
            }
            if (s.isClosed()) { // stopped between the accept and the add: reset it like the others
                reset(c);
                return;
            }
            Thread t = new Thread(() -> serve(c), "loopback-peer-" + port + "-conn");
            t.setDaemon(true);
            threads.put(c, t);
            t.start();
        }
    }

    private void serve(Socket c) {
        try {
            behavior.serve(c, new BufferedInputStream(new Recording(c.getInputStream())), c.getOutputStream());
        } catch (Throwable endsTheConnection) {
            // the client went away, the peer was stopped, or the behaviour gave up (or failed an
            // assertion): the connection ends, and failures() tells
            failures.add(endsTheConnection);
        } finally {
            if (resetting.remove(c)) {
                reset(c);
            } else {
                closeQuietly(c);
            }
            connections.remove(c);
            threads.remove(c);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    private static String quote(String s) {
        String shown = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return "\"" + shown.replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }

    @Override
    public String toString() {
        return "LoopbackPeer[" + behavior + " on " + host() + ":" + port + (isRunning() ? "" : ", stopped") + "]";
    }

    /** The socket's input, recording every byte read into {@link #received}, pausing after each read if asked. */
    private final class Recording extends FilterInputStream {
        Recording(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                synchronized (received) {
                    received.write(b, off, n);
                    received.notifyAll();
                }
                long pause = readPauseNanos;
                if (pause > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(pause); // a slow peer, not test synchronisation
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted");
                    }
                }
            }
            return n;
        }
    }
}
