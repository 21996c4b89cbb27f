package io.github.bufferevent.client;

import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.internal.SafeLogger;
import java.lang.System.Logger.Level;

/**
 * The application's code a client calls: its {@link BufferEventClientHandler} and its
 * {@link ExchangeListener}. What they throw is logged and goes no further: the loop, and the
 * exchange being completed, carry on.
 *
 * <p>Threads: the handler methods on the loop thread; {@link #set} and the listener's
 * {@link #exchangeStarted} from any thread.
 */
final class UserCallbacks {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent.client");

    private final BufferEventClient client;
    private final ExchangeListener listener;
    private volatile BufferEventClientHandler handler = BufferEventClientHandler.NONE;

    UserCallbacks(BufferEventClient client, ExchangeListener listener, BufferEventClientHandler handler) {
        this.client = client;
        this.listener = listener;
        set(handler);
    }

    /** Replaces the handler; null restores {@link BufferEventClientHandler#NONE}. */
    void set(BufferEventClientHandler h) {
        handler = h == null ? BufferEventClientHandler.NONE : h;
    }

    BufferEventClientHandler handler() {
        return handler;
    }

    // ------------------------------------------------------------------ handler (loop thread)

    void connected() {
        try {
            handler.onConnected(client);
        } catch (RuntimeException e) {
            threw("onConnected", e);
        }
    }

    void disconnected(int events, Throwable cause, long unsentBytes) {
        try {
            handler.onDisconnected(client, events, cause, unsentBytes);
        } catch (RuntimeException e) {
            threw("onDisconnected", e);
        }
    }

    void frame(byte[] frame) {
        try {
            handler.onFrame(client, frame);
        } catch (RuntimeException e) {
            threw("onFrame", e);
        }
    }

    /** Raw input on a client without a framing: a throw is logged and counted by the bufferevent. */
    void read(EvBuffer input) {
        handler.onRead(client, input);
    }

    void writabilityChanged(boolean writable) {
        try {
            handler.onWritabilityChanged(client, writable);
        } catch (RuntimeException e) {
            threw("onWritabilityChanged", e);
        }
    }

    private void threw(String method, RuntimeException e) {
        LOG.log(Level.ERROR, "the handler of client '" + client.name() + "' threw in " + method, e);
    }

    // ------------------------------------------------------------------ exchange listener

    /** Caller's thread: an exchange starts; returns the listener's context (null without a listener). */
    Object exchangeStarted() {
        if (listener == ExchangeListener.NONE) {
            return null;
        }
        try {
            return listener.started(client);
        } catch (RuntimeException e) {
            listenerThrew(e);
            return null;
        }
    }

    /** An exchange ended ({@code error} null: with its reply), {@code startNanos} after it started. */
    void exchangeEnded(Object context, Throwable error, long startNanos) {
        if (listener == ExchangeListener.NONE) {
            return;
        }
        try {
            listener.ended(client, context, ExchangeOutcome.of(error), error, client.settings.base.nanoTime() - startNanos);
        } catch (RuntimeException e) {
            listenerThrew(e);
        }
    }

    private void listenerThrew(RuntimeException e) {
        LOG.log(Level.WARNING, "the exchange listener of client '" + client.name() + "' threw", e);
    }
}
