package io.github.bufferevent;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.LongAdder;

/**
 * The core's logger, made safe for the loop thread: a log call never throws. A logging backend
 * can fail in ways the loop must survive (out of file descriptors, its formatter cannot load the
 * time-zone data and throws {@code NoClassDefFoundError}); the loop goes on and the lost record is
 * counted instead.
 *
 * <p>Threads: any.
 */
final class LoopLog {

    private static final System.Logger LOG = System.getLogger("io.github.bufferevent");
    private static final LongAdder FAILURES = new LongAdder();

    private LoopLog() {
    }

    /** Logs {@code message} at {@code level}; never throws. */
    static void log(Level level, String message) {
        log(level, message, null);
    }

    /** Logs {@code message} (and {@code cause}, may be null) at {@code level}; never throws. */
    static void log(Level level, String message, Throwable cause) {
        try {
            if (cause == null) {
                LOG.log(level, message);
            } else {
                LOG.log(level, message, cause);
            }
        } catch (Throwable loggingFailed) {
            FAILURES.increment();
        }
    }

    /** Whether {@code level} is logged; false if the backend cannot even answer that. */
    static boolean isLoggable(Level level) {
        try {
            return LOG.isLoggable(level);
        } catch (Throwable loggingFailed) {
            FAILURES.increment();
            return false;
        }
    }

    /** How many records were lost because the logging backend threw. */
    static long failures() {
        return FAILURES.sum();
    }
}
