package io.github.bufferevent;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The connect and resolve state machine of a socket bufferevent
 * ({@code bufferevent_socket_connect} and {@code _connect_hostname}): claims NEW → CONNECTING,
 * resolves off the loop, tries each resolved address in turn, reports CONNECTED or ERROR (never
 * from inside the call that started it) and the connect timeout. Loop thread with the lock held,
 * except where a method says "any thread".
 */
final class SocketConnector {

    private final SocketBackend socket;
    private final BufferEvent bev;
    private boolean resolving;
    private ArrayDeque<InetSocketAddress> nextAddresses;
    private long startNanos;
    /** Bumped by every connect start, connect timeout and free: a late DNS answer for an older one is ignored. */
    private int seq;
    private volatile Throwable dnsError;

    SocketConnector(SocketBackend socket, BufferEvent bev) {
        this.socket = socket;
        this.bev = bev;
    }

    boolean resolving() {
        return resolving;
    }

    Throwable dnsError() {
        return dnsError;
    }

    /** Any thread: see {@link BufferEvent#connect}. */
    void connect(SocketAddress address) throws IOException {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            BevChecks.port(inet.getPort());
            if (inet.isUnresolved()) {
                throw new IllegalArgumentException("address " + inet + " is unresolved; use connectHostname(host, port)");
            }
        }
        if (bev.threads.foreign("connect")) {
            claim(address);
            bev.threads.execute(() -> {
                bev.lock();
                try {
                    startReporting(address);
                } finally {
                    bev.unlock();
                }
            });
            return;
        }
        bev.lock();
        try {
            claim(address);
            begin();
            try {
                startAttempt(address);
            } catch (IOException | RuntimeException e) {
                bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
                socket.dropOwnedChannel();
                bev.refresh();
                bev.instrumentation.connectFailed(bev, Instrumentation.ConnectOutcome.ERROR, e, elapsed());
                throw e;
            }
        } finally {
            bev.unlock();
        }
    }

    /** Any thread: see {@link BufferEvent#connectHostname}. */
    void connectHostname(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        BevChecks.port(port);
        if (bev.threads.foreign("connectHostname")) {
            claim(InetSocketAddress.createUnresolved(host, port));
            bev.threads.execute(() -> startResolving(host, port));
            return;
        }
        bev.lock();
        try {
            claim(InetSocketAddress.createUnresolved(host, port));
            resolving = true;
            startResolving(host, port);
        } finally {
            bev.unlock();
        }
    }

    /**
     * Any thread, no lock: checks that a connect may start and moves NEW to CONNECTING
     * atomically, so that of two threads connecting at once one fails.
     */
    private void claim(SocketAddress address) {
        bev.checkNotFreed();
        SocketChannel channel = socket.channel();
        if (bev.life.state() != BevLifecycle.NEW) {
            throw alreadyConnecting();
        }
        if (address == null && (channel == null || !channel.isConnectionPending())) {
            throw new IllegalArgumentException("address is null, but the channel is not connecting");
        }
        if (address != null && channel == null && !(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("address must be an InetSocketAddress when the bufferevent opens its own channel, was "
                    + address.getClass().getName());
        }
        if (address != null && channel != null && channel.isConnectionPending()) {
            throw new IllegalStateException("the channel is already connecting; call connect(null) to wait for it");
        }
        if (!bev.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTING)) {
            throw alreadyConnecting();
        }
    }

    private IllegalStateException alreadyConnecting() {
        if (bev.isFreed()) {
            return new IllegalStateException("this bufferevent has been freed");
        }
        return bev.life.state() == BevLifecycle.CONNECTED ? new IllegalStateException("already connected to " + socket.remoteAddress())
                : new IllegalStateException("a connect is already in progress");
    }

    private void begin() {
        seq++;
        bev.io.setSocketError(null);
        dnsError = null;
        startNanos = bev.base().now();
        bev.instrumentation.connectStarted(bev);
        bev.timeouts.resetSoon();
    }

    private void startReporting(SocketAddress address) {
        if (bev.isFreed()) {
            return;
        }
        begin();
        try {
            startAttempt(address);
        } catch (IOException e) {
            attemptFailed(e);
        } catch (RuntimeException e) {
            attemptFailed(new IOException("connect to " + address + " failed: " + e, e));
        }
    }

    /** Opens the channel if needed and starts the connect; the outcome is reported from the loop. */
    private void startAttempt(SocketAddress address) throws IOException {
        SocketChannel channel = socket.openChannel();
        boolean done = false;
        IOException immediate = null;
        if (address != null) {
            try {
                done = channel.connect(address);
            } catch (IOException e) {
                immediate = e;
            } catch (UnsupportedAddressTypeException | UnresolvedAddressException e) {
                immediate = new IOException("cannot connect to " + address + ": " + e, e);
            }
        }
        socket.remoteAddress(address);
        bev.refresh();
        if (immediate != null || done) {
            IOException cause = immediate;
            int attempt = seq;
            bev.base().execute(() -> {
                bev.lock();
                try {
                    if (!bev.isFreed() && bev.life.state() == BevLifecycle.CONNECTING && attempt == seq) {
                        if (cause != null) {
                            attemptFailed(cause);
                        } else {
                            connectedAtOnce(channel);
                        }
                    }
                } finally {
                    bev.unlock();
                }
            });
        }
    }

    private void startResolving(String host, int port) {
        bev.lock();
        try {
            if (bev.isFreed() || bev.life.state() != BevLifecycle.CONNECTING) {
                return;
            }
            begin();
            resolving = true;
            bev.refresh();
            int attempt = seq;
            CompletableFuture<List<InetAddress>> future;
            try {
                future = Objects.requireNonNull(bev.base().resolver().resolve(host), "resolver returned null");
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            EventBase base = bev.base();
            base.retain();
            future.whenComplete((addresses, error) -> {
                try {
                    base.execute(() -> onResolved(attempt, host, port, addresses, error));
                } catch (RejectedExecutionException closed) {
                    // the base closed meanwhile; nothing left to report to
                }
            });
        } finally {
            bev.unlock();
        }
    }

    private void onResolved(int attempt, String host, int port, List<InetAddress> addresses, Throwable error) {
        bev.base().release();
        bev.lock();
        try {
            if (bev.isFreed() || bev.life.state() != BevLifecycle.CONNECTING || !resolving || attempt != seq) {
                return; // freed, timed out, or answering an older connectHostname
            }
            resolving = false;
            if (error == null && (addresses == null || addresses.isEmpty())) {
                error = new UnknownHostException(host + ": no addresses");
            }
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                dnsError = cause;
                bev.io.setSocketError(cause);
                bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
                bev.refresh();
                bev.instrumentation.connectFailed(bev, Instrumentation.ConnectOutcome.UNRESOLVED, cause, elapsed());
                bev.instrumentation.error(bev, Instrumentation.ErrorKind.DNS, cause);
                bev.callbacks.event(BevEvent.ERROR);
                return;
            }
            nextAddresses = new ArrayDeque<>(addresses.size());
            for (InetAddress a : addresses) {
                nextAddresses.add(new InetSocketAddress(a, port));
            }
            tryNext(null);
        } finally {
            bev.unlock();
        }
    }

    /** Tries the next resolved address; reports {@code lastFailure} when none is left. */
    private void tryNext(IOException lastFailure) {
        while (nextAddresses != null && !nextAddresses.isEmpty()) {
            InetSocketAddress next = nextAddresses.poll();
            try {
                startAttempt(next);
                return;
            } catch (IOException e) {
                lastFailure = e;
                socket.dropOwnedChannel();
            }
        }
        nextAddresses = null;
        if (lastFailure != null) {
            failed(lastFailure);
        }
    }

    private void connectedAtOnce(SocketChannel channel) {
        try {
            checkNotSelfConnected(channel);
            succeeded();
        } catch (IOException e) {
            attemptFailed(e);
        }
    }

    /** The selector says the channel's connect completed (or failed). */
    void onConnectReady(SocketChannel channel) {
        try {
            if (channel.finishConnect()) {
                checkNotSelfConnected(channel);
                succeeded();
            }
        } catch (IOException e) {
            attemptFailed(e);
        }
    }

    /**
     * A connect to a local port nobody listens on can, rarely, pick that very port as its own
     * ephemeral port and "succeed" by TCP simultaneous open: the socket talks to itself. A
     * reconnecting client retrying a down local peer hits it sooner or later. Treated as refused,
     * as Go's dialer does.
     */
    private static void checkNotSelfConnected(SocketChannel channel) throws IOException {
        SocketAddress local = channel.getLocalAddress();
        if (local != null && local.equals(channel.getRemoteAddress())) {
            throw new ConnectException("Connection refused: connected to itself at " + local + " (TCP self-connect; nothing listens there)");
        }
    }

    private void succeeded() {
        if (!bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.CONNECTED)) {
            return;
        }
        nextAddresses = null;
        bev.timeouts.connectDone();
        socket.markConnected();
        bev.refresh();
        bev.instrumentation.connectSucceeded(bev, elapsed());
        bev.callbacks.event(BevEvent.CONNECTED);
    }

    private void attemptFailed(IOException cause) {
        if (nextAddresses != null && !nextAddresses.isEmpty()) {
            socket.dropOwnedChannel();
            tryNext(cause);
            return;
        }
        nextAddresses = null;
        failed(cause);
    }

    private void failed(IOException cause) {
        bev.io.setSocketError(cause);
        bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
        socket.dropOwnedChannel();
        bev.refresh(); // no longer connecting: the connect timeout must not fire
        Instrumentation.ConnectOutcome outcome = cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")
                ? Instrumentation.ConnectOutcome.REFUSED : Instrumentation.ConnectOutcome.ERROR;
        bev.instrumentation.connectFailed(bev, outcome, cause, elapsed());
        bev.instrumentation.error(bev, Instrumentation.ErrorKind.CONNECT, cause);
        bev.callbacks.event(BevEvent.ERROR);
    }

    /** The connect timeout expired while connecting or resolving: give up this connect. */
    void timedOut() {
        seq++;
        resolving = false;
        nextAddresses = null;
        bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
        socket.dropOwnedChannel();
        bev.instrumentation.connectFailed(bev, Instrumentation.ConnectOutcome.TIMEOUT, null, elapsed());
    }

    /** Freed: a late answer or completion must find nothing to do. */
    void cancel() {
        seq++;
    }

    private long elapsed() {
        return Math.max(0, bev.base().now() - startNanos);
    }
}
