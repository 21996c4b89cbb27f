package io.github.bufferevent.client;

/**
 * A {@link BufferEventClient} refused a write or an exchange at once, taking nothing: it is
 * closed, {@code max-in-flight} exchanges are outstanding, or it is disconnected with
 * {@code pending-while-disconnected=reject}. An exchange so refused fails with it (outcome
 * {@code rejected}); a write throws it.
 *
 * <p>Threads: any.
 */
public class ExchangeRejectedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** Refused for the reason {@code message} gives. */
    public ExchangeRejectedException(String message) {
        super(message);
    }
}
