package io.github.bufferevent;

/**
 * Why a direction is suspended (libevent's {@code BEV_SUSPEND_*}): kept as a bitmask apart from
 * what the user enabled, so each reason is lifted on its own. Plain constants.
 */
final class BevSuspend {

    /** The input reached the read high watermark. */
    static final int WATERMARK = 0x01;
    /** The bufferevent's own rate limit ({@link BufferEvent#setRateLimit}) is spent until its next refill. */
    static final int BANDWIDTH = 0x02;
    /** A host name is being resolved. */
    static final int LOOKUP = 0x04;
    /** A filter's destination is over its high watermark. */
    static final int FILTER = 0x08;
    /** The rate-limit group's shared budget is spent until the group's next refill (libevent's {@code BEV_SUSPEND_BW_GROUP}). */
    static final int BANDWIDTH_GROUP = 0x10;

    private BevSuspend() {
    }
}
