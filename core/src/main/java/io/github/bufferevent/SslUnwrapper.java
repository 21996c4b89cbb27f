package io.github.bufferevent;

import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The inbound half of a TLS bufferevent ({@link SslPump}'s): ciphertext from the transport's
 * input, in whole records (read from their headers, so a partial record is not copied again and
 * again), copied in batches into the base's shared scratch ({@code SSLEngine.unwrap} wants one
 * writable buffer, and decrypts in place) and unwrapped straight into space reserved in the
 * bufferevent's input; what was consumed is drained. Remembers where it last waited for the rest
 * of a record, so that nothing runs again until more arrives. Nothing is allocated per record
 * here. Loop thread (or before the loop runs), the bufferevent's lock held.
 */
final class SslUnwrapper {

    /** Ciphertext one unwrap batch copies at most (unless one record is larger). */
    private static final int UNWRAP_BATCH = 64 * 1024;
    private static final int TLS_HEADER = 5;

    private final SslPump pump;
    private final BufferEvent bev;
    private final BufferEvent transport;
    private final SSLEngine engine;
    /** Views of the input's reserved space for one unwrap (enough that reserving allocates nothing). */
    private final ByteBuffer[] dsts = new ByteBuffer[8];
    private final byte[] header = new byte[TLS_HEADER];
    private int packetSize;
    private int appSize;
    /** The transport's input length when unwrapping last waited for the rest of a record; -1: not waiting. */
    private long stalledInput = -1;

    SslUnwrapper(SslPump pump, BufferEvent bev, BufferEvent transport, SSLEngine engine) {
        this.pump = pump;
        this.bev = bev;
        this.transport = transport;
        this.engine = engine;
        sessionSizes(engine.getSession());
    }

    /** The buffer sizes of the session (the placeholder before the handshake, the real one after). */
    void sessionSizes(SSLSession session) {
        packetSize = session.getPacketBufferSize();
        appSize = session.getApplicationBufferSize();
    }

    /** The transport's input length when unwrapping last waited for the rest of a record; -1: not waiting. */
    long stalledInput() {
        return stalledInput;
    }

    /**
     * Unwraps the whole records the transport's input holds into the bufferevent's input, batch
     * after batch; with {@code handshake}, whatever the user's read side says (until the handshake
     * data ends). Whether anything moved.
     */
    boolean unwrap(boolean handshake) {
        EvBuffer src = transport.input();
        boolean moved = false;
        boolean forced = handshake;
        while (!pump.failed()) {
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
                    if (!forced && !pump.readAllowed()) {
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
                        pump.markHandshakeDone();
                    }
                    if (status == Status.CLOSED) {
                        pump.inboundClosed(); // the peer's close_notify
                        stop = true;
                        break;
                    }
                    if (hs == HandshakeStatus.NEED_TASK || hs == HandshakeStatus.NEED_WRAP) {
                        stop = true; // the run's next step does it
                        break;
                    }
                    forced = (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) && !pump.outboundDone();
                }
            } catch (SSLException e) {
                pump.fail(BevEvent.READING, e);
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
        pump.addPlainIn(r.bytesProduced());
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
}
