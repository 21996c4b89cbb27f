package io.github.bufferevent.demo;

import io.github.bufferevent.client.BufferEventClient;

/**
 * The client is not connected, or lost its connection while a reply was awaited. Without a stack
 * trace: it is an expected outcome (503, or a failed load request), made once per request.
 */
final class ClientDisconnectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ClientDisconnectedException(BufferEventClient client) {
        super("client '" + client.name() + "' is not connected (state " + client.state()
                + (client.lastError() == null ? "" : ", last error: " + client.lastError()) + ")", null, false, false);
    }

    ClientDisconnectedException(BufferEventClient client, String events, Throwable cause) {
        super("client '" + client.name() + "' lost its connection (" + events + (cause == null ? "" : ": " + cause) + ")", cause,
                false, false);
    }
}
