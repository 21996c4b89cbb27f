package io.github.bufferevent.demo;

import io.github.bufferevent.client.BufferEventClient;

/**
 * The client is not connected, so a load run is not started (503). Without a stack trace: it is
 * an expected outcome. Threads: any.
 */
final class ClientDisconnectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ClientDisconnectedException(BufferEventClient client) {
        super("client '" + client.name() + "' is not connected (state " + client.state()
                + (client.lastError() == null ? "" : ", last error: " + client.lastError()) + ")", null, false, false);
    }
}
