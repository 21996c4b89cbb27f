package io.github.bufferevent;

/**
 * libevent's {@code bufferevent_flush_mode}: {@code BEV_NORMAL}, {@code BEV_FLUSH},
 * {@code BEV_FINISHED}. See {@link BufferEvent#flush(int, BevFlush)}.
 */
public enum BevFlush {
    /** {@code BEV_NORMAL}: write what the socket takes now. */
    NORMAL,
    /** {@code BEV_FLUSH}: write what the socket takes now. */
    FLUSH,
    /**
     * {@code BEV_FINISHED}: on the write side, drain the whole output and then shut the write
     * side of the socket down, so the peer reads every byte and then EOF.
     */
    FINISHED
}
