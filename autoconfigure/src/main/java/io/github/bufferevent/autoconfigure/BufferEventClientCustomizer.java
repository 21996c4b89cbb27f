package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;

/**
 * Adjusts each named client in code before it connects: attach its handler, adjust every new
 * bufferevent ({@link BufferEventClient#configureBufferEvent}). Beans of this type are applied in
 * {@code @Order}, on the thread that builds the beans.
 */
@FunctionalInterface
public interface BufferEventClientCustomizer {

    /** Customizes {@code client} (check {@link BufferEventClient#name()} to target one). */
    void customize(BufferEventClient client);
}
