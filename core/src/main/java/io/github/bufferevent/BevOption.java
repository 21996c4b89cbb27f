package io.github.bufferevent;

/**
 * libevent's {@code BEV_OPT_*} options, given to {@link BufferEvent#socket} and
 * {@link BufferEvent#filter}.
 */
public enum BevOption {
    /** {@code BEV_OPT_CLOSE_ON_FREE}: {@link BufferEvent#free()} closes the channel. */
    CLOSE_ON_FREE,
    /**
     * {@code BEV_OPT_THREADSAFE}: the bufferevent may be used from any thread. Concurrent writes
     * each stay contiguous, in the order the calls returned; nothing is lost or duplicated. A call
     * from another thread never waits for the lock the loop holds while it runs callbacks (writes
     * and settings are handed over), except {@code read}, {@code readBuffer} and {@code lock()}.
     */
    THREADSAFE,
    /**
     * {@code BEV_OPT_DEFER_CALLBACKS}: callbacks are queued and run by the loop after the current
     * I/O, coalesced (one read callback for several reads; event flags OR'ed).
     */
    DEFER_CALLBACKS,
    /**
     * {@code BEV_OPT_UNLOCK_CALLBACKS}: with {@link #THREADSAFE}, callbacks run without the
     * bufferevent's lock held. Safe with writes from other threads (handed over, never touching
     * the buffers) and with another thread holding {@link BufferEvent#lock()} to add to
     * {@code output()} while a callback drains {@code input()} (their shared chunk pool is
     * synchronized); two threads touching the same buffer at once remain the caller's to avoid.
     */
    UNLOCK_CALLBACKS
}
