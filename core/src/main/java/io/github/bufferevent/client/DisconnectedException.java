package io.github.bufferevent.client;

import java.io.IOException;

/**
 * An exchange was on a connection that was lost before its reply came (the peer may or may not
 * have processed the request), or the client could not keep it until a reconnect. Outcome
 * {@code disconnected}; the cause, if any, is the socket error.
 *
 * <p>Threads: any.
 */
public class DisconnectedException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Lost for the reason {@code message} gives; {@code cause} may be null. */
    public DisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
