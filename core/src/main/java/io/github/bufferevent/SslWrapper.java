package io.github.bufferevent;

import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The outbound half of a TLS bufferevent ({@link SslPump}'s): plaintext wrapped straight from the
 * output's chunks ({@link EvBuffer#writeTo} through {@link SslWrapChannel}: no copy, no views
 * allocated) into the base's shared scratch, one record at a time, appended to the transport's
 * output; or what the engine has to send by itself (handshake messages, alerts, close_notify,
 * key updates). Keeps at most {@link #WRAP_AHEAD} ahead of the socket. Nothing is allocated per
 * record here. Loop thread (or before the loop runs), the bufferevent's lock held.
 */
final class SslWrapper {

    /** How much ciphertext the transport's output may hold before wrapping waits for the socket to take some. */
    static final int WRAP_AHEAD = 256 * 1024;
    /** The transport's write low watermark: its write callback asks for more at this, while the socket still has plenty. */
    static final int WRAP_REFILL = 64 * 1024;
    /** Plaintext of one TLS record at most (2^14). */
    private static final int MAX_RECORD_PLAINTEXT = 16384;
    /** Records of one wrap batch at most: a bound against an engine that goes in circles. */
    private static final int MAX_RECORDS = 64;

    private final SslPump pump;
    private final BufferEvent bev;
    private final BufferEvent transport;
    private final SSLEngine engine;
    private final SslWrapChannel wrapChannel;
    private final ByteBuffer empty = ByteBuffer.allocate(0);
    private int packetSize;

    SslWrapper(SslPump pump, BufferEvent bev, BufferEvent transport, SSLEngine engine) {
        this.pump = pump;
        this.bev = bev;
        this.transport = transport;
        this.engine = engine;
        this.wrapChannel = new SslWrapChannel(engine);
        sessionSizes(engine.getSession());
    }

    /** The buffer sizes of the session (the placeholder before the handshake, the real one after). */
    void sessionSizes(SSLSession session) {
        packetSize = session.getPacketBufferSize();
    }

    /** Whether the transport's output has room for more records ahead of the socket. */
    boolean transportRoom() {
        return transport.output().length() < WRAP_AHEAD;
    }

    /**
     * Wraps into the transport's output: with {@code app}, plaintext from the output while there
     * is some, room ahead of the socket and no handshake message to send first; otherwise what
     * the engine has to send (handshake messages, alerts, close_notify). Whether anything moved.
     */
    boolean wrap(boolean app) {
        SslScratch scratch = bev.base().sslNetOut;
        ByteBuffer net = scratch.take(packetSize);
        boolean moved = false;
        try {
            for (int i = 0; i < MAX_RECORDS; i++) {
                net.clear();
                SSLEngineResult r;
                if (app) {
                    EvBuffer out = bev.output();
                    long max = Math.min(out.length(), MAX_RECORD_PLAINTEXT);
                    if (!pump.draining()) {
                        max = Math.min(max, bev.io.writeAllowance());
                    }
                    if (max <= 0) {
                        break;
                    }
                    wrapChannel.target(net);
                    pump.addPlainOut(out.writeTo(wrapChannel, max, bev.base().writeVectors));
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
                    pump.markHandshakeDone();
                }
                if (status == Status.CLOSED) {
                    pump.outboundClosed(); // close_notify is out (or the session was closed already)
                    break;
                }
                boolean more = app
                        ? (hs == HandshakeStatus.NOT_HANDSHAKING || hs == HandshakeStatus.FINISHED) && bev.output().length() > 0
                                && (pump.draining() || bev.flow.writeActive() && transportRoom())
                        : hs == HandshakeStatus.NEED_WRAP && r.bytesProduced() > 0;
                if (!more) {
                    break;
                }
            }
        } catch (SSLException e) {
            pump.fail(BevEvent.WRITING, e);
        } catch (IOException e) {
            pump.fail(BevEvent.WRITING, new SSLException(e));
        } finally {
            scratch.give(net);
        }
        return moved;
    }

    /**
     * After a failure: sends the alert the engine queued for the peer (a bad certificate, say),
     * as far as it goes; best effort.
     */
    void flushAlert() {
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
    }
}
