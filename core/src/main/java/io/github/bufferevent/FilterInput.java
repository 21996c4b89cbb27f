package io.github.bufferevent;

/**
 * The read side of a filter bufferevent: the input filter turns what arrives in the underlying's
 * input into the filter's input, within the filter's read high watermark. While the filter is not
 * reading (disabled, or its input at the high watermark) the underlying's reading is suspended
 * with {@link BevSuspend#FILTER}; once it reads again, what was left behind in the underlying's
 * input is filtered at the end of the loop turn (libevent's {@code inbuf_cb}). Loop thread (or
 * before the loop runs), the filter bufferevent's lock held.
 */
final class FilterInput extends FilterSide {

    /** The underlying's reading is suspended because this side cannot take more. */
    private boolean holding;
    /** Bytes wait in the underlying's input since this side last stopped. */
    private boolean leftBehind;

    FilterInput(BufferEvent bev, BufferEvent underlying, BevFilter filter) {
        super(bev, underlying, filter, "input");
    }

    @Override
    EvBuffer source() {
        return underlying.input();
    }

    @Override
    EvBuffer destination() {
        return bev.input();
    }

    @Override
    long room() {
        long high = bev.flow.readHigh();
        return high > 0 ? high - bev.input().length() : Long.MAX_VALUE;
    }

    @Override
    boolean enabled() {
        return (bev.enabled() & Ev.READ) != 0;
    }

    /** The underlying read, or the end-of-turn pass after resuming: filter what waits. */
    void process() {
        if (!enabled() || busy()) {
            return;
        }
        long before = bev.input().length();
        delivered(pump(BevFlush.NORMAL), before);
    }

    /**
     * The underlying reached EOF: a last call in FINISHED mode, so the filter can deliver what it
     * held back or find the stream cut short. Returns whether the EOF may be passed up (false:
     * the filter failed and {@code ERROR|READING} was reported instead, or the bufferevent was freed).
     */
    boolean finish() {
        if (!enabled()) {
            return true;
        }
        long before = bev.input().length();
        return delivered(pump(BevFlush.FINISHED), before) && !bev.isFreed();
    }

    /** Reports what the filter produced to the read callback, then an ERROR; false after an ERROR. */
    private boolean delivered(BevFilterResult r, long before) {
        long produced = bev.input().length() - before;
        if (produced > 0) {
            bev.io.readDone((int) Math.min(produced, Integer.MAX_VALUE));
        }
        if (r != BevFilterResult.ERROR) {
            return true;
        }
        if (!bev.isFreed()) {
            bev.io.ioFailed(BevEvent.READING, failure());
        }
        return false;
    }

    /**
     * Makes the underlying's reading follow this side's: suspended while the filter does not
     * read. Returns whether bytes left behind in the underlying's input wait to be filtered now
     * that the filter reads again.
     */
    boolean sync() {
        boolean reading = bev.flow.readActive();
        if (reading == holding) {
            holding = !reading;
            if (reading) {
                underlying.io.unsuspendRead(BevSuspend.FILTER);
                leftBehind = underlying.input().length() > 0;
            } else {
                underlying.io.suspendRead(BevSuspend.FILTER);
            }
        }
        return reading && leftBehind;
    }

    /** The end-of-turn pass: filters what was left behind, once. */
    void processLeftBehind() {
        if (leftBehind) {
            leftBehind = false;
            process();
        }
    }

    /** The filter bufferevent is freed without CLOSE_ON_FREE: the underlying reads on its own again. */
    void release() {
        if (holding) {
            holding = false;
            underlying.io.unsuspendRead(BevSuspend.FILTER);
        }
    }
}
