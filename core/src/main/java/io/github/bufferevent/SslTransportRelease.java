package io.github.bufferevent;

import java.time.Duration;

/**
 * What becomes of a TLS bufferevent's transport when the TLS bufferevent is freed: freed with it
 * (the hidden socket of an sslSocket, or an sslFilter's underlying with CLOSE_ON_FREE), or handed
 * back to the user with no callbacks and reading as before (an sslFilter's underlying without
 * it). When close_notify is on its way out (a free with a FINISHED flush pending), a transport to
 * be freed first lives on until it has sent everything and the peer has closed, or
 * {@link #DRAIN_TIMEOUT} passes without progress, reading and dropping what still arrives:
 * closing a socket with unread bytes would send a reset, and the peer's kernel would drop what it
 * has not read yet of ours. Loop thread, the lock held.
 */
final class SslTransportRelease {

    /** How long a transport freed with close_notify still to send may go without progress (sending, or the peer closing). */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private SslTransportRelease() {
    }

    /**
     * @param hidden the transport is an sslSocket's own socket (not in the base's live set)
     * @param free the transport goes with the TLS bufferevent
     * @param closeNotifyOut close_notify is in the transport's output, which is finishing
     */
    static void release(BufferEvent transport, boolean hidden, boolean free, boolean closeNotifyOut) {
        transport.stackUnder(null);
        if (!free) {
            transport.setCallbacks(null, null, null); // the user's underlying, no longer ours
            if (!transport.life.isReleased()) {
                transport.io.unsuspendRead(BevSuspend.FILTER);
            }
        } else if (!closeNotifyOut || transport.writes.shut() && !hidden) {
            transport.free(); // (a pair takes everything at once: nothing to wait for)
        } else {
            drainThenFree(transport, hidden);
        }
    }

    private static void drainThenFree(BufferEvent t, boolean hidden) {
        t.setCallbacks(r -> r.input().drain(r.input().length()), null, (r, events) -> r.free());
        t.setTimeouts(DRAIN_TIMEOUT, DRAIN_TIMEOUT);
        t.io.unsuspendRead(BevSuspend.FILTER);
        t.enable(Ev.READ);
        t.input().drain(t.input().length());
        if (hidden) {
            t.base().addLive(t); // closed with the base; a graceful shutdown waits for it
        }
    }
}
