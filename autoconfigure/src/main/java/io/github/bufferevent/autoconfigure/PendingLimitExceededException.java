package io.github.bufferevent.autoconfigure;

/**
 * A write to a disconnected {@link BufferEventClient} would buffer more than
 * {@code bufferevent.clients.<name>.max-pending-bytes}; nothing of it was buffered.
 */
public class PendingLimitExceededException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    PendingLimitExceededException(String client, long pending, long writing, long limit) {
        super("client '" + client + "' is disconnected and already buffers " + pending + " bytes; writing " + writing
                + " more would exceed bufferevent.clients." + client + ".max-pending-bytes (" + limit + " bytes)");
    }
}
