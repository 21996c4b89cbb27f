package io.github.bufferevent;

import java.io.IOException;

/**
 * One direction of a filter bufferevent: calls its {@link BevFilter} from a source buffer into a
 * destination buffer the way libevent's {@code be_filter_process_input/output} loop it (again while
 * the filter makes progress, the source holds bytes, the direction is enabled and, in NORMAL mode,
 * the destination has room below its high watermark), and turns a filter that throws into ERROR
 * with a cause. Loop thread (or before the loop runs), the filter bufferevent's lock held.
 */
abstract class FilterSide {

    /** libevent's {@code be_null_filter}: moves as much as the limit lets through. */
    private static final BevFilter PASS_THROUGH = (src, dst, limit, mode) -> {
        src.removeBuffer(dst, limit);
        return BevFilterResult.OK;
    };

    final BufferEvent bev;
    final BufferEvent underlying;
    private final BevFilter filter;
    private final String name;
    /** Set while the filter runs: what it causes on its own buffers must not start it again. */
    private boolean busy;
    private RuntimeException thrown;

    FilterSide(BufferEvent bev, BufferEvent underlying, BevFilter filter, String name) {
        this.bev = bev;
        this.underlying = underlying;
        this.filter = filter == null ? PASS_THROUGH : filter;
        this.name = name;
    }

    /** Where the filter reads. */
    abstract EvBuffer source();

    /** Where the filter writes. */
    abstract EvBuffer destination();

    /** Bytes the destination may take below its high watermark; {@link Long#MAX_VALUE} without one. */
    abstract long room();

    /** Whether the user enabled this direction of the filter bufferevent. */
    abstract boolean enabled();

    final boolean busy() {
        return busy;
    }

    /**
     * Runs the filter until the round ends: ERROR or NEED_MORE, no progress, the source empty,
     * the direction disabled, or (NORMAL) the destination full. FLUSH and FINISHED call the
     * filter at least once, even with an empty source, and without a limit.
     */
    final BevFilterResult pump(BevFlush mode) {
        EvBuffer src = source();
        EvBuffer dst = destination();
        boolean normal = mode == BevFlush.NORMAL;
        if (normal && src.length() == 0) {
            return BevFilterResult.OK;
        }
        busy = true;
        try {
            while (true) {
                long limit = normal ? room() : Long.MAX_VALUE;
                if (limit <= 0) {
                    return BevFilterResult.OK;
                }
                long srcBefore = src.length();
                long dstBefore = dst.length();
                BevFilterResult r = call(src, dst, limit, mode);
                if (r != BevFilterResult.OK) {
                    return r;
                }
                boolean progress = src.length() != srcBefore || dst.length() != dstBefore;
                if (!progress || src.length() == 0 || !enabled()) {
                    return BevFilterResult.OK;
                }
            }
        } finally {
            busy = false;
        }
    }

    private BevFilterResult call(EvBuffer src, EvBuffer dst, long limit, BevFlush mode) {
        try {
            BevFilterResult r = filter.filter(src, dst, limit, mode);
            if (r == null) {
                throw new NullPointerException("the " + name + " filter " + filter + " returned null");
            }
            return r;
        } catch (RuntimeException e) {
            thrown = e;
            return BevFilterResult.ERROR;
        }
    }

    /** The cause to report for the last ERROR. */
    final IOException failure() {
        RuntimeException t = thrown;
        thrown = null;
        return t != null ? new IOException("the " + name + " filter " + filter + " threw " + t, t)
                : new IOException("the " + name + " filter " + filter + " returned ERROR");
    }

    /** Closes the filter if it holds resources ({@link AutoCloseable}); the bufferevent is being freed. */
    final void close() {
        if (filter instanceof AutoCloseable) {
            try {
                ((AutoCloseable) filter).close();
            } catch (Exception e) {
                LoopLog.log(System.Logger.Level.WARNING, "closing the " + name + " filter of " + bev + " failed", e);
            }
        }
    }
}
