package io.github.bufferevent.client;

import io.github.bufferevent.EvBuffer;

/**
 * What application code attaches to a {@link BufferEventClient}. Every method runs on the loop
 * thread and must not block; write back with the client's {@code write}, {@code send} or
 * {@code exchange} from here or from any other thread.
 */
public interface BufferEventClientHandler {

    /** A handler that ignores everything (raw input is drained so it does not pile up). */
    BufferEventClientHandler NONE = new BufferEventClientHandler() {
        @Override
        public void onRead(BufferEventClient client, EvBuffer input) {
            input.drain(input.length());
        }
    };

    /**
     * A connection is up; bytes written while disconnected are already queued ahead of anything
     * written now. With a pool, called once per connection that comes up.
     */
    default void onConnected(BufferEventClient client) {
    }

    /**
     * Bytes arrived on a client without a {@link Framing}: consume what you can from
     * {@code input} (the rest stays for the next call). Not called when the client has a framing.
     */
    default void onRead(BufferEventClient client, EvBuffer input) {
    }

    /**
     * A frame arrived that no exchange waits for (a push from the server, or the reply to a
     * {@code send}). Only on a client with a {@link Framing}.
     */
    default void onFrame(BufferEventClient client, byte[] frame) {
    }

    /**
     * A connection that had been established failed or closed (not called for failed connect
     * attempts): {@code events} are the {@code BevEvent} flags (EOF, ERROR, TIMEOUT with
     * READING/WRITING), {@code cause} the socket error or null. The client reconnects by itself
     * unless reconnecting is disabled or it is closing. Exchanges in flight on it have already
     * failed with {@link DisconnectedException}.
     *
     * <p>{@code unsentBytes} counts exactly the bytes written to this connection that the kernel
     * had not yet taken when it ended: still in the bufferevent's output, or handed over by
     * another thread and not yet moved there. They are lost with the connection (not resent: half a
     * message on a new stream would corrupt the framing). It cannot count what the kernel had
     * already accepted: bytes in this host's socket send buffer, in flight, or in the peer's
     * receive buffer when the peer died. TCP gives no way to learn of those; a request/reply
     * caller learns of them only because their replies never come (a reply timeout, or a failed
     * exchange). Writes made while no connection was up are not in it: they stay pending for the
     * next connection.
     */
    default void onDisconnected(BufferEventClient client, int events, Throwable cause, long unsentBytes) {
    }

    /**
     * The client's writability changed (see {@link BufferEventClient#isWritable()}): false once it
     * holds {@code write-buffer-high-water-mark} unsent bytes, true once that drained to
     * {@code write-buffer-low-water-mark}. Calls come in the order of the changes.
     */
    default void onWritabilityChanged(BufferEventClient client, boolean writable) {
    }
}
