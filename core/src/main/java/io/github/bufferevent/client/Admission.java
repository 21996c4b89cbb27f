package io.github.bufferevent.client;

import io.github.bufferevent.client.BufferEventClient.PendingPolicy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether a call may go ahead, decided at once on the caller's thread: not while the client
 * closes, not while disconnected with {@link PendingPolicy#REJECT}, not beyond
 * {@code max-in-flight} exchanges outstanding or {@code max-pending-bytes} held, and not a frame
 * the framing would refuse. A call admitted holds its bytes in {@link HeldBytes} and, for an
 * exchange, one outstanding slot until it is answered or fails.
 *
 * <p>Threads: any.
 */
final class Admission {

    private final ClientSettings settings;
    private final Lifecycle lifecycle;
    private final ConnectionPool pool;
    private final HeldBytes held;
    /** Exchanges not finished on the wire: queued, pending, in flight, or timed out and still owed a reply. */
    private final AtomicInteger outstanding = new AtomicInteger();

    Admission(ClientSettings settings, Lifecycle lifecycle, ConnectionPool pool, HeldBytes held) {
        this.settings = settings;
        this.lifecycle = lifecycle;
        this.pool = pool;
        this.held = held;
    }

    /** What the framing would refuse {@code frame} with, found on the caller's thread (built-in framings), or null. */
    RuntimeException checkFrame(byte[] frame) {
        if (settings.framing instanceof FrameCheck) {
            try {
                ((FrameCheck) settings.framing).check(frame);
            } catch (IllegalArgumentException | FrameTooLongException e) {
                return e;
            }
        }
        return null;
    }

    /** Reserves what a call of {@code bytes} takes (and, for an exchange, its outstanding slot); returns why it may not go ahead, or null. */
    RuntimeException admit(int bytes, boolean exchange) {
        String name = settings.name;
        int l = lifecycle.value();
        if (l >= Lifecycle.CLOSING) {
            return new ExchangeRejectedException("client '" + name + "' is " + (l == Lifecycle.CLOSED ? "closed" : "closing")
                    + "; writes are refused");
        }
        if (settings.pendingPolicy == PendingPolicy.REJECT && pool.connected() == 0) {
            return new ExchangeRejectedException("client '" + name + "' is not connected (pending-while-disconnected=reject)");
        }
        if (exchange && outstanding.incrementAndGet() > settings.maxInFlight) {
            outstanding.decrementAndGet();
            return new ExchangeRejectedException("client '" + name + "' has " + settings.maxInFlight
                    + " exchanges outstanding, its max-in-flight");
        }
        RuntimeException overLimit = held.reserve(bytes);
        if (overLimit != null && exchange) {
            outstanding.decrementAndGet();
        }
        return overLimit;
    }

    /** {@code exchanges} were answered or failed: they no longer count against max-in-flight. */
    void released(int exchanges) {
        outstanding.addAndGet(-exchanges);
    }

    int outstanding() {
        return outstanding.get();
    }
}
