package io.github.bufferevent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bufferevent's read, write and connect timeouts ({@code bufferevent_set_timeouts}): the read
 * timer runs while reading is enabled and not suspended, the write timer while output is pending
 * or a connect is under way (the connect timeout, when set, replaces the write timeout then; a TLS
 * handshake's own timeout, when set, replaces both while the handshake runs). On
 * expiry the direction is disabled and the event callback gets {@code TIMEOUT|READING} or
 * {@code TIMEOUT|WRITING}. Loop thread, the bufferevent's lock held (except {@link #resetSoon()}).
 */
final class BevTimeouts {

    private static final VarHandle RESET;

    static {
        try {
            RESET = MethodHandles.lookup().findVarHandle(BevTimeouts.class, "reset", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final BufferEvent bev;
    private final TimerHeap.Timer readTimer = new TimerHeap.Timer(this::onReadTimeout);
    private final TimerHeap.Timer writeTimer = new TimerHeap.Timer(this::onWriteTimeout);
    private long readNanos;
    private long writeNanos;
    private long connectNanos;
    private long handshakeNanos;
    /** A TLS handshake is under way (the connecting state after the transport connected). */
    private boolean handshaking;
    /** Set by enable() and new settings from any thread: the next adjust restarts running timers. */
    private volatile boolean reset;

    BevTimeouts(BufferEvent bev) {
        this.bev = bev;
    }

    void set(long read, long write) {
        readNanos = read;
        writeNanos = write;
        reset = true;
    }

    void setConnect(long nanos) {
        connectNanos = nanos;
    }

    void setHandshake(long nanos) {
        handshakeNanos = nanos;
    }

    /** A TLS handshake began: its timer starts anew with the handshake timeout (else the connect or write timeout). */
    void handshakeBegun() {
        handshaking = true;
        reset = true;
    }

    /** Any thread: the next {@link #adjust} starts running timers anew (as libevent re-adding events). */
    void resetSoon() {
        reset = true;
    }

    /** Starts, restarts or cancels the timers to match the bufferevent's state. */
    void adjust(boolean readActive, boolean connecting, boolean writeActive) {
        EventBase base = bev.base();
        boolean restart = reset && (boolean) RESET.getAndSet(this, false);
        arm(base, readTimer, readActive && readNanos > 0, readNanos, restart);
        long w = !connecting ? writeNanos
                : handshaking && handshakeNanos > 0 ? handshakeNanos
                : connectNanos > 0 ? connectNanos : writeNanos;
        arm(base, writeTimer, w > 0 && (connecting || writeActive), w, restart);
    }

    private static void arm(EventBase base, TimerHeap.Timer timer, boolean active, long nanos, boolean restart) {
        if (!active) {
            base.cancel(timer);
        } else if (restart || !timer.scheduled()) {
            base.schedule(timer, nanos);
        }
    }

    /** Bytes arrived: the idle read timer starts over. */
    void readProgress() {
        if (readTimer.scheduled()) {
            bev.base().schedule(readTimer, readNanos);
        }
    }

    /** Bytes left: the write timer starts over. */
    void writeProgress() {
        if (writeTimer.scheduled()) {
            bev.base().schedule(writeTimer, writeNanos);
        }
    }

    /** The connect ended: its timer must not fire. */
    void connectDone() {
        handshaking = false;
        bev.base().cancel(writeTimer);
    }

    void cancelAll() {
        bev.base().cancel(readTimer);
        bev.base().cancel(writeTimer);
    }

    private void onReadTimeout() {
        bev.io.timedOut(BevEvent.READING);
    }

    private void onWriteTimeout() {
        bev.io.timedOut(BevEvent.WRITING);
    }
}
