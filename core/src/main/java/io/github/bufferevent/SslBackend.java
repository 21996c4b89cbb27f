package io.github.bufferevent;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The TLS backend ({@code bufferevent_openssl.c}) over {@link SSLEngine}: a bufferevent whose
 * input and output hold plaintext, on top of a transport bufferevent that carries the records.
 * {@link BufferEvent#sslFilter} puts it on the user's bufferevent; {@link BufferEvent#sslSocket}
 * on a socket bufferevent of its own, hidden (not in the base's live set, freed with it), so all
 * socket I/O stays in the socket backend. It takes the transport's callbacks over and reads from
 * it only while the handshake or the user's read side needs it. The handshake starts when the
 * transport connects (at once if it is connected) and {@code CONNECTED} is reported when it
 * completes; the engine is driven by {@link SslPump}; the handshake is bound by the factory's
 * handshake timeout when one is set, else by the connect (or else the write) timeout. close_notify goes out after the data on a FINISHED flush, in
 * a graceful shutdown, and on a free with a FINISHED flush pending (the transport then lives on
 * until it has sent it: {@link SslTransportRelease}). Loop thread (or before the loop runs), the bufferevent's lock held,
 * except {@link #connect}, {@link #connectHostname} and the getters marked "any thread".
 */
final class SslBackend extends BevBackend {

    /** The hidden socket's max single read: whole batches of records per read (the base's read buffer holds 64 KiB). */
    static final int TRANSPORT_READ = 64 * 1024;

    private final SSLEngine engine;
    private final BevSslState mode;
    private final BufferEvent transport;
    /** sslSocket: the transport is ours, hidden, freed with this bufferevent. */
    private final boolean ownsTransport;
    private final SslPump pump;
    private volatile Throwable sslError;
    private volatile boolean allowDirtyShutdown;

    /** The transport is connected and the handshake begun (or the engine was OPEN). */
    private boolean transportUp;
    /** An error, an EOF during the handshake or a handshake timeout ended the session; or freed. */
    private volatile boolean ended;
    /** The transport reported EOF: reported on once the records that came before it are delivered. */
    private boolean transportEof;
    private boolean eofReported;
    /** close_notify is in the transport's output and the transport was asked to finish. */
    private boolean transportFinishing;
    private boolean driving;
    private boolean driveAgain;
    private long handshakeStart;

    SslBackend(BufferEvent bev, BufferEvent transport, boolean ownsTransport, SSLEngine engine, BevSslState mode) {
        super(bev);
        this.engine = engine;
        this.mode = mode;
        this.transport = transport;
        this.ownsTransport = ownsTransport;
        this.pump = new SslPump(bev, transport, engine, mode == BevSslState.OPEN, this);
    }

    /** Takes the transport over; starts the handshake once it is connected. The thread that created the bufferevent. */
    void attach() {
        transport.stackUnder(bev);
        transport.callbacks.set(t -> locked(this::drive), t -> locked(this::transportWritten),
                (t, events) -> locked(() -> transportEvent(events)));
        bev.base().runOnLoop(() -> locked(this::setUp));
    }

    private void locked(Runnable action) {
        bev.lock();
        try {
            action.run();
        } finally {
            bev.unlock();
        }
    }

    private void setUp() {
        if (bev.isFreed()) {
            return;
        }
        transport.setWatermark(Ev.WRITE, SslWrapper.WRAP_REFILL, 0);
        if (ownsTransport) {
            transport.setMaxSingleRead(TRANSPORT_READ);
        }
        transport.io.suspendRead(BevSuspend.FILTER);
        transport.enable(Ev.READ | Ev.WRITE);
        int s = transport.life.state();
        if (s == BevLifecycle.CONNECTED) {
            transportConnected(); // sslFilter over a connected bufferevent starts at once
        } else if (s == BevLifecycle.CONNECTING && bev.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTING)) {
            bev.refresh();
        }
    }

    // ------------------------------------------------------------------ getters (any thread)

    SSLEngine engine() {
        return engine;
    }

    Throwable sslError() {
        return sslError;
    }

    void allowDirtyShutdown(boolean allow) {
        allowDirtyShutdown = allow;
    }

    @Override
    BufferEvent underlying() {
        return ownsTransport ? null : transport;
    }

    @Override
    SocketChannel channel() {
        return transport.channel();
    }

    @Override
    SocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    @Override
    Throwable dnsError() {
        return transport.dnsError();
    }

    @Override
    String kind() {
        return "ssl";
    }

    // ------------------------------------------------------------------ connect (any thread)

    @Override
    void connect(SocketAddress address) throws IOException {
        claimConnect("connect");
        try {
            transport.connect(address);
        } catch (IOException | RuntimeException e) {
            bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
            throw e;
        }
        bev.threads.update(); // the connect timeout runs on this bufferevent
    }

    @Override
    void connectHostname(String host, int port) {
        claimConnect("connectHostname");
        try {
            transport.connectHostname(host, port);
        } catch (RuntimeException e) {
            bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
            throw e;
        }
        bev.threads.update();
    }

    private void claimConnect(String method) {
        bev.threads.check(method);
        bev.checkNotFreed();
        if (ended) {
            throw new IllegalStateException("the TLS session of this bufferevent has ended; an SSLEngine serves one connection: "
                    + "create a new bufferevent with a new engine");
        }
        if (!bev.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTING)) {
            throw new IllegalStateException(bev.isFreed() ? "this bufferevent has been freed"
                    : bev.life.state() == BevLifecycle.CONNECTED ? "already connected to " + remoteAddress()
                    : "a connect or handshake is already in progress");
        }
    }

    /** The write (or connect) timeout expired while CONNECTING: give the connect, or the handshake, up. */
    @Override
    void connectTimedOut() {
        bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
        if (!transportUp) {
            if (transport.life.state() == BevLifecycle.CONNECTING) {
                transport.backend.connectTimedOut();
                transport.refresh();
            }
            return;
        }
        ended = true;
        bev.flow.disable(Ev.READ);
        updateTransportRead();
        bev.instrumentation.handshakeFinished(bev, Instrumentation.HandshakeOutcome.TIMEOUT, null, elapsed());
    }

    // ------------------------------------------------------------------ slots

    @Override
    void sync() {
        if (bev.life.isReleased()) {
            return;
        }
        updateTransportRead();
        if (hasWork()) {
            bev.requestFlush();
        }
    }

    @Override
    void outputAdded() {
        if (transportUp && !ended && pump.handshakeDone() && bev.flow.writeActive()) {
            bev.requestFlush();
        }
    }

    @Override
    void flushWrite(BevFlush mode) {
        bev.requestFlush();
    }

    @Override
    void flushQueued() {
        drive();
    }

    @Override
    boolean finishesOnShutdown() {
        return transportUp && !ended && pump.handshakeDone() && !pump.outboundDone();
    }

    /**
     * Whether the pump could move something that it could not when it last stopped: new
     * ciphertext the read side may take, plaintext with room ahead of the socket, a close_notify
     * to send. Never true for what only the transport can change (the rest of a record, room),
     * which its callbacks report, so a stalled pump is not run again and again.
     */
    private boolean hasWork() {
        if (!transportUp || ended || pump.taskRunning()) {
            return false;
        }
        long in = transport.input().length();
        if (in > 0 && in != pump.stalledInput() && (!pump.handshakeDone() || pump.wantsUnwrap() || bev.flow.readActive())) {
            return true;
        }
        if (!pump.handshakeDone() || pump.outboundDone()) {
            return false;
        }
        if (bev.output().length() > 0) {
            return bev.flow.writeActive() && transport.output().length() < SslWrapper.WRAP_AHEAD;
        }
        return bev.writes.finishing();
    }

    /** Reads from the transport only while the handshake, the engine or the user's read side wants to. */
    private void updateTransportRead() {
        if (transport.life.isReleased()) {
            return;
        }
        boolean want = transportUp && !ended && !transportEof && !pump.closeNotifyReceived()
                && (!pump.handshakeDone() || pump.wantsUnwrap() || bev.flow.readActive());
        boolean suspended = transport.flow.readSuspended(BevSuspend.FILTER);
        if (want && suspended) {
            transport.io.unsuspendRead(BevSuspend.FILTER);
        } else if (!want && !suspended) {
            transport.io.suspendRead(BevSuspend.FILTER);
        }
    }

    // ------------------------------------------------------------------ driving

    /** Moves what can move now, then tells the user what happened. */
    private void drive() {
        if (driving) {
            driveAgain = true;
            return;
        }
        driving = true;
        try {
            do {
                driveAgain = false;
                if (!transportUp || ended || bev.isFreed()) {
                    return;
                }
                pump.run();
                report();
            } while (driveAgain);
        } finally {
            driving = false;
        }
    }

    /** Loop thread, no lock: the off-loop work of the pump ended. */
    void taskEnded(Throwable thrown) {
        locked(() -> {
            pump.taskDone(thrown);
            drive();
        });
    }

    /** Tells the user what the last run did: CONNECTED, data, progress, then the end (EOF or ERROR). */
    private void report() {
        if (pump.takeHandshakeFinished()) {
            handshakeCompleted();
        }
        if (bev.isFreed()) {
            return;
        }
        long in = pump.takePlainIn();
        if (in > 0) {
            bev.io.readDone(in);
            if (bev.isFreed()) {
                return;
            }
        }
        long out = pump.takePlainOut();
        if (out > 0) {
            bev.io.wrote(out);
        }
        if (pump.outboundDone() && bev.writes.finishing() && !transportFinishing) {
            transportFinishing = true; // close_notify is in the transport's output: the transport finishes after it
            transport.flush(Ev.WRITE, BevFlush.FINISHED);
        }
        checkFinished();
        bev.refresh();
        if (out > 0) {
            bev.io.writeDone();
            if (bev.isFreed()) {
                return;
            }
        }
        IOException failure = pump.failure();
        if (failure != null) {
            failed(pump.failureDirection(), failure, Instrumentation.ErrorKind.TLS);
        } else if (pump.closeNotifyReceived() && !eofReported) {
            eofReported = true; // the peer's close_notify: a clean EOF
            updateTransportRead();
            bev.io.eof();
        } else if (transportEof && !eofReported && !ended && !pump.taskRunning()) {
            long left = transport.input().length();
            if (left == 0 || left == pump.stalledInput()) {
                transportEnded(); // what came before the TCP close is delivered: now the close
            }
        }
    }

    private void handshakeCompleted() {
        bev.instrumentation.handshakeFinished(bev, Instrumentation.HandshakeOutcome.SUCCESS, null, elapsed());
        if (bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.CONNECTED)) {
            bev.timeouts.connectDone();
            bev.life.markConnected();
            bev.refresh();
            bev.callbacks.event(BevEvent.CONNECTED);
        }
    }

    /** The FINISHED flush is done once the transport has sent close_notify (a user's underlying finishes on its own). */
    private void checkFinished() {
        if (transportFinishing && bev.writes.finishing() && (!ownsTransport || transport.writes.shut())) {
            bev.writes.finished();
            bev.refresh();
        }
    }

    private void transportWritten() {
        if (bev.isFreed()) {
            return;
        }
        checkFinished();
        drive(); // room ahead of the socket again
    }

    // ------------------------------------------------------------------ transport events

    private void transportEvent(int events) {
        if (bev.isFreed()) {
            return;
        }
        if ((events & BevEvent.CONNECTED) != 0) {
            transportConnected();
        } else if (!transportUp) {
            if ((events & BevEvent.ERROR) != 0) {
                // The connect failed (refused, unreachable, unresolved): as a socket's failed connect.
                bev.io.setSocketError(transport.socketError());
                bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW);
                bev.refresh();
            }
            bev.callbacks.event(events);
        } else if ((events & BevEvent.EOF) != 0) {
            transportEof = true;
            updateTransportRead();
            drive(); // the records before the close first; report() then tells clean from dirty
        } else if ((events & BevEvent.ERROR) != 0) {
            drive(); // what arrived before the error is delivered first
            if (!ended && !bev.isFreed()) {
                int direction = (events & BevEvent.WRITING) != 0 ? BevEvent.WRITING : BevEvent.READING;
                Throwable cause = transport.socketError();
                IOException e = cause instanceof IOException ? (IOException) cause : new IOException(String.valueOf(cause), cause);
                failed(direction, e, direction == BevEvent.READING ? Instrumentation.ErrorKind.READ : Instrumentation.ErrorKind.WRITE);
            }
        } else {
            bev.callbacks.event(events); // a timeout of the user's underlying
        }
    }

    private void transportConnected() {
        if (transportUp || ended || bev.isFreed()) {
            return;
        }
        transportUp = true;
        if (mode == BevSslState.OPEN) {
            boolean waited = bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.CONNECTED);
            if (waited || bev.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTED)) {
                bev.timeouts.connectDone();
                bev.life.markConnected();
            }
            bev.refresh();
            if (waited) {
                bev.callbacks.event(BevEvent.CONNECTED);
            }
            drive();
            return;
        }
        bev.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTING);
        handshakeStart = bev.base().now();
        bev.timeouts.handshakeBegun(); // the handshake gets a whole timeout of its own
        bev.instrumentation.handshakeStarted(bev);
        pump.begin();
        bev.refresh();
        drive(); // a server's engine is ready at once (and reads a hello that came with the connect); a client's waits for its task
    }

    /** The transport closed without close_notify having arrived. */
    private void transportEnded() {
        SSLException truncation = pump.closeInbound();
        if (bev.life.state() == BevLifecycle.CONNECTED && (truncation == null || allowDirtyShutdown)) {
            eofReported = true;
            updateTransportRead();
            bev.io.eof();
            return;
        }
        failed(BevEvent.READING, truncation != null ? truncation
                : new SSLException("the peer closed the connection during the TLS handshake"), Instrumentation.ErrorKind.TLS);
    }

    /** The session ends with {@code ERROR|direction}; both directions stop, as libevent's SSL does. */
    private void failed(int direction, IOException cause, Instrumentation.ErrorKind kind) {
        if (ended) {
            return;
        }
        ended = true;
        if (kind == Instrumentation.ErrorKind.TLS) {
            sslError = cause;
        }
        if (!transportEof) {
            pump.flushAlert(); // tell the peer why, when the engine has an alert for it
        }
        if (bev.life.move(BevLifecycle.CONNECTING, BevLifecycle.NEW)) {
            bev.instrumentation.handshakeFinished(bev, Instrumentation.HandshakeOutcome.FAILURE, cause, elapsed());
        }
        bev.flow.disable(Ev.READ | Ev.WRITE);
        updateTransportRead();
        bev.io.ioFailed(direction, cause, kind);
    }

    private long elapsed() {
        return Math.max(0, bev.base().now() - handshakeStart);
    }

    // ------------------------------------------------------------------ the end

    @Override
    void destruct() {
        boolean closeNotifyOwed = bev.writes.finishing() && transportUp && !ended;
        ended = true;
        boolean closeNotifyOut = closeNotifyOwed && (transportFinishing || pump.finishNow());
        if (closeNotifyOut && !transportFinishing) {
            transportFinishing = true;
            transport.flush(Ev.WRITE, BevFlush.FINISHED);
        }
        SslTransportRelease.release(transport, ownsTransport, ownsTransport || bev.closeOnFree, closeNotifyOut);
    }

    @Override
    void baseClosed() {
        ended = true;
        if (ownsTransport) {
            transport.onBaseClosed();
        }
    }
}
