package io.github.bufferevent.demo;

import io.github.bufferevent.client.BufferEventClient;

/** The client already awaits as many replies as an exchange keeps track of (503); its peer is slow or silent. */
final class TooManyWaitersException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    TooManyWaitersException(BufferEventClient client, int limit) {
        super("client '" + client.name() + "' already awaits " + limit + " replies; its peer answers too slowly", null, false, false);
    }
}
