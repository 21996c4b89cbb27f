package io.github.bufferevent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * Drives one {@link SSLEngine} between a TLS bufferevent and its transport, as far as it can go
 * now: handshake steps (whatever mix of NEED_WRAP, NEED_UNWRAP and NEED_TASK the engine asks for,
 * also after the handshake: TLS 1.3 key updates and tickets, renegotiation), then plaintext both
 * ways. Ciphertext is copied out of the transport's input in whole records into the base's shared
 * scratch and unwrapped straight into space reserved in the bufferevent's input; plaintext is
 * wrapped straight from the output's chunks into the base's scratch and appended to the
 * transport's output. Nothing is allocated per record here (the engine allocates what it does).
 * Work the engine hands out ({@code getDelegatedTask()}, and {@code beginHandshake}, which builds
 * a client's key shares) runs on the base's {@link DelegatedTasks}; meanwhile the engine is not
 * touched, and the owner resumes on the loop. The pump only moves bytes and records what
 * happened; its owner reports it to the user afterwards, so no user callback runs while a scratch
 * buffer is held. Loop thread (or before the loop runs), the bufferevent's lock held.
 */
final class SslPump {

    /** How much ciphertext the transport's output may hold before wrapping waits for the socket to take some. */
    static final int WRAP_AHEAD = 256 * 1024;
    /** The transport's write low watermark: its write callback asks for more at this, while the socket still has plenty. */
    static final int WRAP_REFILL = 64 * 1024;
    /** Plaintext of one TLS record at most (2^14). */
    private static final int MAX_RECORD_PLAINTEXT = 16384;
    /** Ciphertext one unwrap batch copies at most (unless one record is larger). */
    private static final int UNWRAP_BATCH = 64 * 1024;
    /** Steps of one run, and records of one wrap batch: bounds against an engine that goes in circles. */
    private static final int MAX_STEPS = 64;
    private static final int TLS_HEADER = 5;

    /** Work for the off-loop executor. */
    @FunctionalInterface
    interface OffLoopWork {
        void run() throws Exception;
    }

    private final BufferEvent bev;
    private final BufferEvent transport;
    private final SSLEngine engine;
    private final SslBackend owner;
    private final SslWrapChannel wrapChannel;
    private final ByteBuffer empty = ByteBuffer.allocate(0);
    /** Views of the input's reserved space for one unwrap (enough that reserving allocates nothing). */
    private final ByteBuffer[] dsts = new ByteBuffer[8];
    private final byte[] header = new byte[TLS_HEADER];
    private int packetSize;
    private int appSize;

    private boolean handshakeDone;
    private boolean taskRunning;
    private boolean inboundDone;
    private boolean outboundDone;
    private boolean closeNotifyReceived;
    /** The engine waits for handshake data from the peer, whatever the user's read side says. */
    private boolean wantsUnwrap;
    /** The transport's input length when unwrapping last waited for the rest of a record; -1: not waiting. */
    private long stalledInput = -1;
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
        this.transport = transport;
        this.engine = engine;
        this.owner = owner;
        this.wrapChannel = new SslWrapChannel(engine);
        this.handshakeDone = open;
        SSLSession session = engine.getSession();
        this.packetSize = session.getPacketBufferSize();
        this.appSize = session.getApplicationBufferSize();
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
        return stalledInput;
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
                if (wrap(false)) {
                    return true;
                }
                break; // nothing to send (a TLS 1.3 half-close says NEED_WRAP): plaintext may still go
            case NEED_UNWRAP:
            case NEED_UNWRAP_AGAIN:
                if (!outboundDone) {
                    return unwrap(true); // handshake data: read whatever the user's read side says
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
            moved = unwrap(false);
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
            if (draining || bev.flow.writeActive() && transportRoom()) {
                moved |= wrap(true);
            }
        } else if (bev.writes.finishing() && bev.writes.settled()) {
            engine.closeOutbound(); // close_notify after the data; the next step wraps it
            moved = true;
        }
        return moved;
    }

    private boolean readAllowed() {
        return bev.flow.readActive() && bev.io.readAllowance() > 0;
    }

    private boolean transportRoom() {
        return transport.output().length() < WRAP_AHEAD;
    }

    private void markHandshakeDone() {
        if (handshakeDone) {
            return; // a renegotiation or key update finished: nothing to report
        }
        handshakeDone = true;
        handshakeFinished = true;
        SSLSession session = engine.getSession();
        packetSize = session.getPacketBufferSize();
        appSize = session.getApplicationBufferSize();
    }

    // ------------------------------------------------------------------ unwrap

    /**
     * Unwraps the whole records the transport's input holds into the bufferevent's input, batch
     * after batch; with {@code handshake}, whatever the user's read side says (until the handshake
     * data ends). Whether anything moved.
     */
    private boolean unwrap(boolean handshake) {
        EvBuffer src = transport.input();
        boolean moved = false;
        boolean forced = handshake;
        while (failure == null) {
            long avail = src.length();
            if (avail == 0 || avail == stalledInput) {
                break; // nothing new since it last waited for the rest of a record
            }
            int first = firstRecordLength(src, avail);
            if (first > avail) {
                stalledInput = avail;
                break;
            }
            SslScratch scratch = bev.base().sslNetIn;
            ByteBuffer net = scratch.take(Math.max(UNWRAP_BATCH, Math.max(first, packetSize)));
            int n = (int) Math.min(avail, net.capacity());
            src.copyOut(net.array(), 0, n);
            net.limit(n);
            boolean underflow = false;
            boolean stop = false;
            int consumed;
            try {
                for (int overflows = 0; ; ) {
                    if (!net.hasRemaining()) {
                        break;
                    }
                    if (!forced && !readAllowed()) {
                        stop = true;
                        break;
                    }
                    SSLEngineResult r = unwrapOne(net);
                    moved |= r.bytesConsumed() > 0 || r.bytesProduced() > 0;
                    Status status = r.getStatus();
                    if (status == Status.BUFFER_UNDERFLOW) {
                        underflow = true;
                        break;
                    }
                    if (status == Status.BUFFER_OVERFLOW) {
                        if (++overflows > 3) {
                            throw new SSLException("SSLEngine.unwrap keeps asking for more than " + appSize + " bytes of room");
                        }
                        appSize = Math.max(appSize * 2, engine.getSession().getApplicationBufferSize());
                        continue;
                    }
                    HandshakeStatus hs = r.getHandshakeStatus();
                    if (hs == HandshakeStatus.FINISHED) {
                        markHandshakeDone();
                    }
                    if (status == Status.CLOSED) {
                        inboundDone = true;
                        closeNotifyReceived = true;
                        stop = true;
                        break;
                    }
                    if (hs == HandshakeStatus.NEED_TASK || hs == HandshakeStatus.NEED_WRAP) {
                        stop = true; // the run's next step does it
                        break;
                    }
                    forced = (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) && !outboundDone;
                }
            } catch (SSLException e) {
                fail(BevEvent.READING, e);
                stop = true;
            } finally {
                consumed = net.position();
                scratch.give(net);
            }
            if (consumed > 0) {
                src.drain(consumed);
            }
            if (underflow && n == avail) {
                stalledInput = src.length(); // the transport's input ends in the middle of a record
                break;
            }
            stalledInput = -1;
            if (stop || consumed == 0) {
                break; // (an underflow at the end of a batch goes on with the next batch)
            }
        }
        return moved;
    }

    /** One record from {@code net} into space reserved in the input. */
    private SSLEngineResult unwrapOne(ByteBuffer net) throws SSLException {
        EvBuffer dst = bev.input();
        int k = dst.reserve(appSize, dsts);
        SSLEngineResult r;
        try {
            r = engine.unwrap(net, dsts, 0, k);
        } catch (SSLException | RuntimeException e) {
            Arrays.fill(dsts, 0, k, null);
            dst.commit(0);
            throw e;
        }
        Arrays.fill(dsts, 0, k, null);
        dst.commit(r.bytesProduced());
        plainIn += r.bytesProduced();
        return r;
    }

    /**
     * The length of the record at the front of {@code src} from its header ({@value #TLS_HEADER}
     * bytes: more than {@code avail} while the header is incomplete), or 0 when the bytes are no
     * TLS record header (an SSLv2 hello, garbage): the engine then says what they are.
     */
    private int firstRecordLength(EvBuffer src, long avail) {
        if (avail < TLS_HEADER) {
            return TLS_HEADER;
        }
        src.copyOut(header, 0, TLS_HEADER);
        int type = header[0] & 0xff;
        if (type < 20 || type > 24 || header[1] != 3) {
            return 0;
        }
        return TLS_HEADER + ((header[3] & 0xff) << 8 | (header[4] & 0xff));
    }

    // ------------------------------------------------------------------ wrap

    /**
     * Wraps into the transport's output: with {@code app}, plaintext from the output while there
     * is some, room ahead of the socket and no handshake message to send first; otherwise what
     * the engine has to send (handshake messages, alerts, close_notify). Whether anything moved.
     */
    private boolean wrap(boolean app) {
        SslScratch scratch = bev.base().sslNetOut;
        ByteBuffer net = scratch.take(packetSize);
        boolean moved = false;
        try {
            for (int i = 0; i < MAX_STEPS; i++) {
                net.clear();
                SSLEngineResult r;
                if (app) {
                    EvBuffer out = bev.output();
                    long max = Math.min(out.length(), MAX_RECORD_PLAINTEXT);
                    if (!draining) {
                        max = Math.min(max, bev.io.writeAllowance());
                    }
                    if (max <= 0) {
                        break;
                    }
                    wrapChannel.target(net);
                    plainOut += out.writeTo(wrapChannel, max, bev.base().writeVectors);
                    r = wrapChannel.result();
                    if (r == null) {
                        break;
                    }
                } else {
                    r = engine.wrap(empty, net);
                }
                if (r.bytesProduced() > 0) {
                    net.flip();
                    transport.output().add(net);
                }
                moved |= r.bytesProduced() > 0 || r.bytesConsumed() > 0;
                Status status = r.getStatus();
                if (status == Status.BUFFER_OVERFLOW) {
                    scratch.give(net);
                    packetSize = Math.max(packetSize * 2, engine.getSession().getPacketBufferSize());
                    net = scratch.take(packetSize);
                    continue;
                }
                HandshakeStatus hs = r.getHandshakeStatus();
                if (hs == HandshakeStatus.FINISHED) {
                    markHandshakeDone();
                }
                if (status == Status.CLOSED) {
                    outboundDone = true; // close_notify is out (or the session was closed already)
                    break;
                }
                boolean more = app
                        ? (hs == HandshakeStatus.NOT_HANDSHAKING || hs == HandshakeStatus.FINISHED) && bev.output().length() > 0
                                && (draining || bev.flow.writeActive() && transportRoom())
                        : hs == HandshakeStatus.NEED_WRAP && r.bytesProduced() > 0;
                if (!more) {
                    break;
                }
            }
        } catch (SSLException e) {
            fail(BevEvent.WRITING, e);
        } catch (IOException e) {
            fail(BevEvent.WRITING, new SSLException(e));
        } finally {
            scratch.give(net);
        }
        return moved;
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
        if (taskRunning || outboundDone) {
            return;
        }
        ByteBuffer net = ByteBuffer.allocate(packetSize); // once per failure
        try {
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                net.clear();
                SSLEngineResult r = engine.wrap(empty, net);
                if (r.bytesProduced() == 0) {
                    break;
                }
                net.flip();
                transport.output().add(net);
            }
        } catch (SSLException | RuntimeException e) {
            // the engine has nothing more to say
        }
        outboundDone = true;
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

    private void fail(int direction, IOException e) {
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
