package io.github.bufferevent;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * Drives one {@link SSLEngine} between a TLS bufferevent and its transport, as far as it can go
 * now: handshake steps (whatever mix of NEED_WRAP, NEED_UNWRAP and NEED_TASK the engine asks for,
 * also after the handshake: TLS 1.3 key updates and tickets, renegotiation), then plaintext both
 * ways, through its two halves ({@link SslUnwrapper} in, {@link SslWrapper} out), and
 * close_notify after the data of a FINISHED flush. Keeps the session's state (handshake done,
 * either side closed, the failure) and counts what moved.
 * Work the engine hands out ({@code getDelegatedTask()}, and {@code beginHandshake}, which builds
 * a client's key shares) runs on the base's {@link DelegatedTasks}; meanwhile the engine is not
 * touched, and the owner resumes on the loop. The pump only moves bytes and records what
 * happened; its owner reports it to the user afterwards, so no user callback runs while a scratch
 * buffer is held. Loop thread (or before the loop runs), the bufferevent's lock held.
 */
final class SslPump {

    /** Steps of one run at most: a bound against an engine that goes in circles. */
    private static final int MAX_STEPS = 64;

    /** Work for the off-loop executor. */
    @FunctionalInterface
    interface OffLoopWork {
        void run() throws Exception;
    }

    private final BufferEvent bev;
    private final SSLEngine engine;
    private final SslBackend owner;
    private final SslUnwrapper unwrapper;
    private final SslWrapper wrapper;

    private boolean handshakeDone;
    private boolean taskRunning;
    private boolean inboundDone;
    private boolean outboundDone;
    private boolean closeNotifyReceived;
    /** The engine waits for handshake data from the peer, whatever the user's read side says. */
    private boolean wantsUnwrap;
    /** Set by the owner while it wraps everything left before a free: no room or rate checks. */
    private boolean draining;
    private IOException failure;
    private int failureDirection;

    // What the last run did, for the owner to report.
    private long plainIn;
    private long plainOut;
    private boolean handshakeFinished;

    SslPump(BufferEvent bev, BufferEvent transport, SSLEngine engine, boolean open, SslBackend owner) {
        this.bev = bev;
        this.engine = engine;
        this.owner = owner;
        this.unwrapper = new SslUnwrapper(this, bev, transport, engine);
        this.wrapper = new SslWrapper(this, bev, transport, engine);
        this.handshakeDone = open;
    }

    // ------------------------------------------------------------------ state, for the owner

    boolean handshakeDone() {
        return handshakeDone;
    }

    boolean taskRunning() {
        return taskRunning;
    }

    boolean outboundDone() {
        return outboundDone;
    }

    boolean closeNotifyReceived() {
        return closeNotifyReceived;
    }

    boolean wantsUnwrap() {
        return wantsUnwrap;
    }

    long stalledInput() {
        return unwrapper.stalledInput();
    }

    IOException failure() {
        return failure;
    }

    int failureDirection() {
        return failureDirection;
    }

    /** Whether the handshake completed in the runs since the last call. */
    boolean takeHandshakeFinished() {
        boolean f = handshakeFinished;
        handshakeFinished = false;
        return f;
    }

    /** Plaintext added to the input since the last call. */
    long takePlainIn() {
        long n = plainIn;
        plainIn = 0;
        return n;
    }

    /** Plaintext taken from the output since the last call. */
    long takePlainOut() {
        long n = plainOut;
        plainOut = 0;
        return n;
    }

    // ------------------------------------------------------------------ running

    /**
     * Starts the handshake: a client's {@code beginHandshake} off the loop (its hello and key
     * shares are built there); a server's here (it only gets ready for the client's hello).
     */
    void begin() {
        if (engine.getUseClientMode()) {
            offLoop(engine::beginHandshake);
            return;
        }
        try {
            engine.beginHandshake();
        } catch (SSLException | RuntimeException e) {
            fail(BevEvent.READING, e instanceof SSLException ? (SSLException) e : new SSLException(e));
        }
    }

    /** Moves everything that can move now. */
    void run() {
        if (taskRunning || failure != null) {
            return;
        }
        try {
            for (int i = 0; i < MAX_STEPS && step() && !taskRunning && failure == null; i++) {
                // each step moved something: try again
            }
            if (!taskRunning && failure == null) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                wantsUnwrap = (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) && !outboundDone;
            }
        } catch (RuntimeException e) {
            fail(BevEvent.READING, new SSLException("the SSLEngine failed: " + e, e));
        }
    }

    /** One step: what the engine's handshake status asks for, or else plaintext both ways. Whether anything moved. */
    private boolean step() {
        HandshakeStatus hs = engine.getHandshakeStatus();
        switch (hs) {
            case NEED_TASK:
                startTasks();
                return false;
            case NEED_WRAP:
                if (wrapper.wrap(false)) {
                    return true;
                }
                break; // nothing to send (a TLS 1.3 half-close says NEED_WRAP): plaintext may still go
            case NEED_UNWRAP:
            case NEED_UNWRAP_AGAIN:
                if (!outboundDone) {
                    return unwrapper.unwrap(true); // handshake data: read whatever the user's read side says
                }
                break; // after our close_notify the engine waits for the peer's: plaintext as usual
            default:
                if (!handshakeDone) {
                    markHandshakeDone();
                }
        }
        return handshakeDone && plaintextStep();
    }

    private boolean plaintextStep() {
        boolean moved = false;
        if (!inboundDone && !draining && readAllowed()) {
            moved = unwrapper.unwrap(false);
            if (failure != null) {
                return false;
            }
        }
        EvBuffer out = bev.output();
        if (outboundDone) {
            if (out.length() > 0 && !draining) {
                fail(BevEvent.WRITING, new SSLException("the TLS session is closed for writing (close_notify "
                        + (closeNotifyReceived ? "received" : "sent") + "); " + out.length() + " bytes of output cannot be sent"));
            }
            return moved;
        }
        bev.writes.drain();
        if (out.length() > 0) {
            if (draining || bev.flow.writeActive() && wrapper.transportRoom()) {
                moved |= wrapper.wrap(true);
            }
        } else if (bev.writes.finishing() && bev.writes.settled()) {
            engine.closeOutbound(); // close_notify after the data; the next step wraps it
            moved = true;
        }
        return moved;
    }

    // ------------------------------------------------------------------ for the two halves

    /** Whether the user's read side takes plaintext now (enabled, not suspended, room below the high watermark, rate budget). */
    boolean readAllowed() {
        return bev.flow.readActive() && bev.io.readAllowance() > 0;
    }

    /** Whether everything left is being wrapped for a free: no room or rate checks. */
    boolean draining() {
        return draining;
    }

    boolean failed() {
        return failure != null;
    }

    void addPlainIn(long n) {
        plainIn += n;
    }

    void addPlainOut(long n) {
        plainOut += n;
    }

    /** The peer's close_notify arrived. */
    void inboundClosed() {
        inboundDone = true;
        closeNotifyReceived = true;
    }

    /** A wrap said CLOSED: our close_notify is out (or the session was closed already). */
    void outboundClosed() {
        outboundDone = true;
    }

    void markHandshakeDone() {
        if (handshakeDone) {
            return; // a renegotiation or key update finished: nothing to report
        }
        handshakeDone = true;
        handshakeFinished = true;
        SSLSession session = engine.getSession();
        unwrapper.sessionSizes(session);
        wrapper.sessionSizes(session);
    }

    /**
     * The bufferevent is freed with a FINISHED flush pending: wraps all the plaintext left, then
     * close_notify, into the transport now. Whether close_notify is out (false if the engine was
     * busy with a task, failed, or not yet past its handshake).
     */
    boolean finishNow() {
        if (failure != null || taskRunning || !handshakeDone) {
            return false;
        }
        draining = true;
        try {
            EvBuffer out = bev.output();
            for (int i = 0; i < MAX_STEPS && failure == null && !outboundDone; i++) {
                if (out.length() == 0) {
                    engine.closeOutbound();
                }
                if (!step()) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            return false;
        } finally {
            draining = false;
        }
        return failure == null && outboundDone;
    }

    /**
     * After a failure: sends the alert the engine queued for the peer (a bad certificate, say),
     * as far as it goes; best effort.
     */
    void flushAlert() {
        if (!taskRunning && !outboundDone) {
            wrapper.flushAlert();
            outboundDone = true;
        }
    }

    /**
     * The transport ended without the peer's close_notify (a TCP close): closes the engine's
     * inbound side. Returns the engine's complaint (truncation: "closing inbound before receiving
     * peer's close_notify"), or null if it has none.
     */
    SSLException closeInbound() {
        if (inboundDone) {
            return null;
        }
        inboundDone = true;
        try {
            engine.closeInbound();
            return null;
        } catch (SSLException e) {
            return e;
        }
    }

    void fail(int direction, IOException e) {
        if (failure == null) {
            failure = e;
            // libevent's do_handshake reports any handshake failure as READING: the handshake is
            // driven by what the peer sent (the JDK rethrows a delegated task's failure from wrap).
            failureDirection = handshakeDone ? direction : BevEvent.READING;
        }
    }

    // ------------------------------------------------------------------ off the loop

    private void startTasks() {
        Runnable first = engine.getDelegatedTask();
        if (first != null) {
            offLoop(() -> {
                for (Runnable t = first; t != null; t = engine.getDelegatedTask()) {
                    t.run();
                }
            });
        }
    }

    /**
     * Runs {@code work} on the base's {@link DelegatedTasks}; the owner resumes on the loop when
     * it ends. Until then the engine is not touched (its lock is held by the task) and the base
     * stays up (as for a DNS lookup).
     */
    private void offLoop(OffLoopWork work) {
        EventBase base = bev.base();
        taskRunning = true;
        base.retain();
        try {
            base.delegatedTasks().execute(() -> {
                Throwable thrown = null;
                try {
                    work.run();
                } catch (Throwable t) {
                    thrown = t;
                }
                Throwable outcome = thrown;
                try {
                    base.execute(() -> owner.taskEnded(outcome));
                } catch (RejectedExecutionException closed) {
                    // the base closed meanwhile: nobody waits for this handshake
                }
            });
        } catch (RejectedExecutionException e) {
            taskRunning = false;
            base.release();
            fail(BevEvent.READING, new SSLException("cannot run the TLS handshake's work off the loop: " + e.getMessage(), e));
        }
    }

    /** Loop thread, lock held: the work {@link #offLoop} started ended; {@code thrown} is what it threw, or null. */
    void taskDone(Throwable thrown) {
        taskRunning = false;
        bev.base().release();
        if (thrown != null) {
            fail(BevEvent.READING, thrown instanceof SSLException ? (SSLException) thrown
                    : new SSLException("the TLS handshake's work failed: " + thrown, thrown));
        }
    }
}
