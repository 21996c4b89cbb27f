package io.github.bufferevent.demo;

import io.github.bufferevent.EvBuffer;

/**
 * What an {@link EmbeddedServer} answers: it turns the requests that have arrived on one
 * connection into replies.
 *
 * <p>Threads: called on the server's loop thread only, one connection at a time; must not block.
 * An implementation keeps no state between calls beyond what stays in {@code in}, so one
 * instance serves every connection.
 */
interface ServerProtocol {

    /**
     * Answers every whole request in {@code in}, removing it and appending its reply to
     * {@code out}; a partial request stays in {@code in} for the next call.
     *
     * @return false when {@code in} holds something that can never become a valid request (the
     *     server then closes the connection)
     */
    boolean answer(EvBuffer in, EvBuffer out);
}
