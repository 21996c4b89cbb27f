package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.EvBuffer;

/**
 * What application code attaches to a {@link BufferEventClient}. Every method runs on the loop
 * thread and must not block; write back with {@link BufferEventClient#write} from here or from any
 * other thread.
 */
public interface BufferEventClientHandler {

    /** A handler that ignores everything (input is drained so it does not pile up). */
    BufferEventClientHandler NONE = new BufferEventClientHandler() {
        @Override
        public void onRead(BufferEventClient client, EvBuffer input) {
            input.drain(input.length());
        }
    };

    /** The connection is up; bytes written while disconnected are already queued ahead of anything written now. */
    default void onConnected(BufferEventClient client) {
    }

    /** Bytes arrived; consume what you can from {@code input} (the rest stays for the next call). */
    default void onRead(BufferEventClient client, EvBuffer input) {
    }

    /**
     * The connection failed or closed: {@code events} are the {@code BevEvent} flags (EOF, ERROR,
     * TIMEOUT with READING/WRITING), {@code cause} the socket error or null, {@code unsentBytes}
     * what was written but had not reached the socket (lost with the connection). The client
     * reconnects by itself unless reconnecting is disabled or it is closing.
     */
    default void onDisconnected(BufferEventClient client, int events, Throwable cause, long unsentBytes) {
    }
}
