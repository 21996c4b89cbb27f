package io.github.bufferevent.client;

import java.lang.System.Logger.Level;

/**
 * The client layer's logger ({@code System.Logger} "io.github.bufferevent.client", which Spring
 * Boot routes to its logging). A log call never throws: the loop must not stop halfway through a
 * state change because a logging backend failed. Any thread.
 */
final class ClientLog {

    private static final System.Logger LOG = System.getLogger("io.github.bufferevent.client");

    private ClientLog() {
    }

    static boolean on(Level level) {
        try {
            return LOG.isLoggable(level);
        } catch (Throwable failed) {
            return false;
        }
    }

    static void log(Level level, String message, Throwable cause) {
        try {
            if (cause == null) {
                LOG.log(level, message);
            } else {
                LOG.log(level, message, cause);
            }
        } catch (Throwable failed) {
            // the backend failed; the client goes on
        }
    }

    static void log(Level level, String message) {
        log(level, message, null);
    }
}
