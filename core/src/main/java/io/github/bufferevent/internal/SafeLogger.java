package io.github.bufferevent.internal;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@code System.Logger} whose calls never throw: the library logs from its loop thread, and a
 * logging backend can fail in ways the loop must survive (out of file descriptors, a formatter
 * that cannot load the time-zone data and throws {@code NoClassDefFoundError}). A record the
 * backend fails on is counted and dropped. Spring Boot routes {@code System.Logger} to its logging.
 *
 * <p>Internal to the library (not part of its API). Threads: any.
 */
public final class SafeLogger {

    private static final LongAdder FAILURES = new LongAdder();

    private final System.Logger logger;

    /** A logger named {@code name}. */
    public SafeLogger(String name) {
        this.logger = System.getLogger(name);
    }

    /** Whether {@code level} is logged; false if the backend cannot even answer that. */
    public boolean isLoggable(Level level) {
        try {
            return logger.isLoggable(level);
        } catch (Throwable loggingFailed) {
            FAILURES.increment();
            return false;
        }
    }

    /** Logs {@code message} at {@code level}; never throws. */
    public void log(Level level, String message) {
        log(level, message, null);
    }

    /** Logs {@code message} (and {@code cause}, may be null) at {@code level}; never throws. */
    public void log(Level level, String message, Throwable cause) {
        try {
            if (cause == null) {
                logger.log(level, message);
            } else {
                logger.log(level, message, cause);
            }
        } catch (Throwable loggingFailed) {
            FAILURES.increment();
        }
    }

    /** How many records were dropped because a logging backend threw, over all loggers. */
    public static long failures() {
        return FAILURES.sum();
    }
}
