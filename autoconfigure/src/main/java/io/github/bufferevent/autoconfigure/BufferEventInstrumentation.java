package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.Instrumentation;
import io.github.bufferevent.client.ExchangeListener;

/**
 * Where the starter gets its {@link Instrumentation}: one for the event loop and one per client
 * name ({@code "default"} for the {@code BufferEventFactory} bean). Declare a bean of this type to
 * plug metrics in; the metrics auto-configuration provides a Micrometer one. Called on the thread
 * that builds the beans.
 */
public interface BufferEventInstrumentation {

    /** Records nothing. */
    BufferEventInstrumentation NONE = new BufferEventInstrumentation() {
    };

    /** The instrumentation of the managed {@code EventBase} (loop turns). */
    default Instrumentation forEventBase() {
        return Instrumentation.NOOP;
    }

    /** The instrumentation of the bufferevents of the client (or factory) with this name. */
    default Instrumentation forClient(String name) {
        return Instrumentation.NOOP;
    }

    /** What hears of each exchange of the client with this name (the exchange timer, observations). */
    default ExchangeListener forExchanges(String name) {
        return ExchangeListener.NONE;
    }

    /** A named client was built: meters of its own state (writability, exchanges in flight) may be bound to it. */
    default void clientCreated(BufferEventClient client) {
    }

    /** A client with this name was removed: its meters may go. */
    default void clientRemoved(String name) {
    }
}
