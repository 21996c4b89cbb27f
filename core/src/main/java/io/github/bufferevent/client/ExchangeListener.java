package io.github.bufferevent.client;

/**
 * Told when each exchange of a {@link BufferEventClient} starts and ends: the hook the Spring
 * starter uses for its {@code bufferevent.exchanges} timer and Micrometer Observations. The
 * default {@link #NONE} costs one comparison per exchange.
 *
 * <p>Threads: {@link #started} runs on the caller's thread; {@link #ended} on the loop thread,
 * or on the caller's when the exchange was refused at once. Both must be fast and must not block;
 * what they throw is logged and ignored.
 */
public interface ExchangeListener {

    /** Records nothing. */
    ExchangeListener NONE = new ExchangeListener() {
    };

    /** An exchange was called; the returned context (may be null) comes back to {@link #ended}. */
    default Object started(BufferEventClient client) {
        return null;
    }

    /** The exchange ended after {@code nanos}; {@code error} is null for {@link ExchangeOutcome#SUCCESS}. */
    default void ended(BufferEventClient client, Object context, ExchangeOutcome outcome, Throwable error, long nanos) {
    }
}
