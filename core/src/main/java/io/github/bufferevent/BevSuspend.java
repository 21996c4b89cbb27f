package io.github.bufferevent;

/**
 * Why a direction is suspended (libevent's {@code BEV_SUSPEND_*}): kept as a bitmask apart from
 * what the user enabled, so each reason is lifted on its own. Plain constants.
 */
final class BevSuspend {

    /** The input reached the read high watermark. */
    static final int WATERMARK = 0x01;
    /** The rate limit's budget is spent until the next refill. */
    static final int BANDWIDTH = 0x02;
    /** A host name is being resolved. */
    static final int LOOKUP = 0x04;
    /** A filter's destination is over its high watermark. */
    static final int FILTER = 0x08;

    private BevSuspend() {
    }
}
