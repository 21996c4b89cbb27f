package io.github.bufferevent.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import io.github.bufferevent.EventBase;
import java.time.Duration;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the managed {@link EventBase} on its own thread and, on context close, shuts it down
 * gracefully: pending output drains (up to {@code bufferevent.event-base.shutdown-timeout}), then
 * the loop thread ends. Its phase puts the start before, and the stop after, the web server
 * (including its graceful shutdown): inbound traffic stops first, then outbound connections drain.
 */
final class EventBaseLifecycle implements SmartLifecycle {

    /** Below the web server's phases (graceful shutdown at DEFAULT_PHASE - 1024, stop at - 2048). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Log LOG = LogFactory.getLog(EventBaseLifecycle.class);

    private final EventBase base;
    private final Duration shutdownTimeout;
    private volatile boolean running;

    EventBaseLifecycle(EventBase base, Duration shutdownTimeout) {
        this.base = base;
        this.shutdownTimeout = shutdownTimeout;
    }

    @Override
    public void start() {
        if (base.loopThread() == null && !base.isClosed()) {
            base.start();
        }
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (base.isClosed()) {
            return;
        }
        boolean drained = base.shutdownGracefully(shutdownTimeout);
        if (!drained) {
            LOG.warn("bufferevent: pending output was not drained within " + shutdownTimeout
                    + " (bufferevent.event-base.shutdown-timeout); the rest was discarded");
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Not paused with the context (Spring's {@code pause()}, as the test context cache does):
     * stopping closes for good (clients refuse writes, the base is freed), so a paused context
     * could never be used again. A pause leaves this running; only close stops it.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
