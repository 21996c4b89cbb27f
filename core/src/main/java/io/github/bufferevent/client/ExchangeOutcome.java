package io.github.bufferevent.client;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/** How an exchange ended: the {@code outcome} tag of the exchange meters and observations. */
public enum ExchangeOutcome {
    /** The reply came. */
    SUCCESS,
    /** No reply within the reply timeout ({@link TimeoutException}). */
    TIMEOUT,
    /** Its connection was lost, or the event base closed ({@link DisconnectedException}). */
    DISCONNECTED,
    /** Refused at once: max-in-flight, closed, held bytes, or the reject policy ({@link ExchangeRejectedException}). */
    REJECTED,
    /** The request or its reply was over the framing's limit ({@link FrameTooLongException}). */
    TOO_LONG,
    /** Anything else (the framing refused the request, a decoding failure). */
    ERROR;

    /** The outcome {@code error} stands for (null: success). */
    public static ExchangeOutcome of(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e == null) {
            return SUCCESS;
        }
        if (e instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (e instanceof DisconnectedException) {
            return DISCONNECTED;
        }
        if (e instanceof ExchangeRejectedException || e instanceof CancellationException) {
            return REJECTED;
        }
        if (e instanceof FrameTooLongException) {
            return TOO_LONG;
        }
        return ERROR;
    }

    /** The tag value: lower case, words joined by '-' (too-long). */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
