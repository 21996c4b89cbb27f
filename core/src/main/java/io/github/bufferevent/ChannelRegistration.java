package io.github.bufferevent;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * One channel's registration with its base's selector and the interest it has asked for, kept
 * in step with the base's count of active registrations. Used by the socket backend and by
 * {@link ConnectionListener}. Loop thread (or before the loop runs) only.
 */
final class ChannelRegistration {

    private final EventBase base;
    private final IoHandler handler;
    private SelectionKey key;
    private int ops;

    ChannelRegistration(EventBase base, IoHandler handler) {
        this.base = base;
        this.handler = handler;
    }

    /** Whether the channel has a valid key. */
    boolean isRegistered() {
        return key != null && key.isValid();
    }

    /** Registers {@code channel} with no interest yet, replacing a cancelled key. */
    void register(SelectableChannel channel) throws IOException {
        key = null;
        ops = 0;
        key = base.register(channel, handler);
        ops = 0;
    }

    /** Sets the interest to {@code newOps} (a no-op when unregistered or unchanged). */
    void interest(int newOps) {
        if (key != null) {
            base.interest(key, ops, newOps);
            ops = newOps;
        }
    }

    /** Cancels the key, if any; a later {@link #register} starts afresh. */
    void cancel() {
        if (key != null) {
            base.deregister(key, ops);
            key = null;
            ops = 0;
        }
    }
}
