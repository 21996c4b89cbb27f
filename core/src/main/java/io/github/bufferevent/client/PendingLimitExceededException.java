package io.github.bufferevent.client;

/**
 * A write or exchange would make a {@link BufferEventClient} hold more unsent bytes (written
 * while disconnected, plus not yet taken by a socket) than its {@code max-pending-bytes}; nothing
 * of it was taken. Wait for {@link BufferEventClient#awaitWritable} (or
 * {@link BufferEventClient#whenWritable()}) before writing more.
 *
 * <p>Threads: any.
 */
public class PendingLimitExceededException extends ExchangeRejectedException {

    private static final long serialVersionUID = 1L;

    PendingLimitExceededException(String client, boolean connected, long held, long writing, long limit) {
        super("client '" + client + "' " + (connected ? "is connected but the peer is not keeping up: it" : "is disconnected and")
                + " already holds " + held + " unsent bytes; writing " + writing + " more would exceed bufferevent.clients." + client
                + ".max-pending-bytes (" + limit + " bytes)");
    }
}
