package io.github.bufferevent;

import io.github.bufferevent.internal.SafeLogger;
import java.lang.System.Logger.Level;

/** The core's logger ("io.github.bufferevent"): a {@link SafeLogger}, so a log call never throws. Any thread. */
final class LoopLog {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent");

    private LoopLog() {
    }

    static void log(Level level, String message) {
        LOG.log(level, message);
    }

    static void log(Level level, String message, Throwable cause) {
        LOG.log(level, message, cause);
    }

    /** How many records were dropped because the logging backend threw. */
    static long failures() {
        return SafeLogger.failures();
    }
}
