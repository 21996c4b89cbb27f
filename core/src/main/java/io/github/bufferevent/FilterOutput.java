package io.github.bufferevent;

/**
 * The write side of a filter bufferevent: the output filter turns the filter's output into the
 * underlying's output, within the underlying's write high watermark (libevent's
 * {@code wm_write.high}, the one place a write high watermark counts); what does not fit waits for
 * the underlying's write callback. {@link BevFlush#FLUSH} and {@link BevFlush#FINISHED} go through
 * the filter and then to the underlying, so a filter's trailer precedes the underlying's EOF. Loop
 * thread (or before the loop runs), the filter bufferevent's lock held.
 */
final class FilterOutput extends FilterSide {

    FilterOutput(BufferEvent bev, BufferEvent underlying, BevFilter filter) {
        super(bev, underlying, filter, "output");
    }

    @Override
    EvBuffer source() {
        return bev.output();
    }

    @Override
    EvBuffer destination() {
        return underlying.output();
    }

    @Override
    long room() {
        long high = underlying.flow.writeHigh();
        return high > 0 ? high - underlying.output().length() : Long.MAX_VALUE;
    }

    @Override
    boolean enabled() {
        return (bev.enabled() & Ev.WRITE) != 0;
    }

    /** Output waits, writing is on, and the underlying has room: worth a pass at the end of the turn. */
    boolean wantsPass() {
        return !busy() && bev.flow.writeActive() && bev.output().length() > 0 && !bev.writes.shut() && room() > 0;
    }

    /** Filters the output in NORMAL or FLUSH mode; FLUSH then flushes the underlying too. */
    void process(BevFlush mode) {
        if (busy() || bev.writes.shut() || underlying.isFreed()) {
            return;
        }
        bev.writes.drain();
        if (enabled()) {
            long before = bev.output().length();
            BevFilterResult r = pump(mode);
            if (!consumed(before, r)) {
                return;
            }
            if (before > bev.output().length()) {
                bev.io.writeDone();
            }
            if (mode == BevFlush.FLUSH && !bev.isFreed() && !underlying.isFreed()) {
                underlying.flush(Ev.WRITE, BevFlush.FLUSH);
            }
        }
        if (bev.writes.finishing()) {
            finish(); // asked for while the filter ran
        }
    }

    /**
     * The FINISHED flush ({@link BufferEvent#isFinishing()}): the filter gets everything and its
     * FINISHED call (its trailer), then the write side ends and the underlying is finished in
     * turn, so the peer reads every byte, then EOF. Runs at once rather than at the end of the
     * turn, so that in a graceful shutdown the trailer is in the underlying's output before the
     * underlying drains and shuts down on its own.
     */
    void finish() {
        if (busy() || bev.writes.shut() || bev.isFreed()) {
            return;
        }
        bev.writes.drain();
        if (!bev.writes.settled()) {
            return; // a writer is between the hand-off's gate and its queue; its hand-over brings us back
        }
        long before = bev.output().length();
        if (!consumed(before, pump(BevFlush.FINISHED))) {
            return;
        }
        bev.writes.finished();
        if (!underlying.isFreed()) {
            underlying.flush(Ev.WRITE, BevFlush.FINISHED);
        }
        bev.refresh();
        // The output drained, as a socket's write callback after its last write; from the loop,
        // never inside the flush() that asked for it.
        bev.trigger(Ev.WRITE, BevTrigger.DEFER_CALLBACKS);
    }

    /** Counts what the filter took; reports an ERROR. Returns false after an ERROR. */
    private boolean consumed(long before, BevFilterResult r) {
        bev.io.wrote(before - bev.output().length());
        if (r != BevFilterResult.ERROR) {
            return true;
        }
        if (!bev.isFreed()) {
            bev.io.ioFailed(BevEvent.WRITING, failure());
        }
        return false;
    }
}
