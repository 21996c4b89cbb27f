package io.github.bufferevent;

/**
 * The pair backend ({@code bufferevent_pair.c}): two bufferevents linked in memory, each
 * connected from birth; what one writes arrives in the other's input on the loop, at the end of
 * the turn, up to the receiver's read high watermark (the rest waits in the sender's output).
 * A FLUSH or FINISHED flush moves everything at once, past the watermark, as libevent does;
 * FINISHED then gives the partner {@code EOF|READING}, and so does freeing one side. Both sides
 * share one lock (THREADSAFE) and always defer their callbacks, as in libevent. Loop thread (or
 * before the loop runs), the shared lock held.
 */
final class PairBackend extends BevBackend {

    private volatile PairBackend partner;
    private boolean eofDelivered;

    PairBackend(BufferEvent bev) {
        super(bev);
    }

    /** Links two new bufferevents: partners, both connected. */
    static void link(BufferEvent a, BufferEvent b) {
        PairBackend pa = (PairBackend) a.backend;
        PairBackend pb = (PairBackend) b.backend;
        pa.partner = pb;
        pb.partner = pa;
        for (BufferEvent side : new BufferEvent[] {a, b}) {
            side.life.move(BevLifecycle.NEW, BevLifecycle.CONNECTED);
            side.life.markConnected();
        }
    }

    @Override
    BufferEvent pairPartner() {
        PairBackend p = partner;
        return p == null ? null : p.bev;
    }

    @Override
    void sync() {
        PairBackend p = partner;
        if (bev.life.isReleased() || p == null) {
            return;
        }
        if (bev.writes.finishing() || wantsToTalk(this, p)) {
            bev.requestFlush();
        }
        if (wantsToTalk(p, this)) {
            p.bev.requestFlush(); // this side reads again: the partner's waiting output may come
        }
    }

    /** libevent's {@code be_pair_wants_to_talk}: the sender writes, the receiver reads, and there is something to move. */
    private static boolean wantsToTalk(PairBackend src, PairBackend dst) {
        return src.bev.flow.writeActive() && !src.bev.writes.shut() && dst.bev.flow.readActive() && !dst.bev.isFreed()
                && src.bev.output().length() > 0;
    }

    @Override
    void outputAdded() {
        if (partner != null && bev.flow.writeActive()) {
            bev.requestFlush();
        }
    }

    @Override
    void flushQueued() {
        transferOut(bev.writes.finishing());
    }

    @Override
    void flushWrite(BevFlush mode) {
        if (mode == BevFlush.NORMAL) {
            bev.requestFlush();
        } else {
            transferOut(true);
        }
    }

    /** Moves this side's output to the partner (everything when forced); ends a FINISHED flush once all is moved. */
    private void transferOut(boolean force) {
        bev.writes.drain();
        PairBackend p = partner;
        boolean deliverable = p != null && !p.bev.isFreed();
        if (deliverable && (force ? bev.output().length() > 0 : wantsToTalk(this, p))) {
            transfer(p, force);
        }
        if (bev.writes.finishing() && bev.output().length() == 0 && bev.writes.settled()) {
            bev.writes.finished();
            bev.refresh();
            if (deliverable) {
                p.deliverEof();
            }
        }
    }

    /** libevent's {@code be_pair_transfer}: as much as the receiver's read high watermark allows, or all. */
    private void transfer(PairBackend dst, boolean ignoreWatermark) {
        EvBuffer out = bev.output();
        EvBuffer in = dst.bev.input();
        long n = out.length();
        if (!ignoreWatermark) {
            long limit = dst.bev.flow.inputLimit(in.length());
            if (limit >= 0) {
                n = Math.min(n, limit);
            }
        }
        if (n <= 0) {
            return;
        }
        if (n == out.length()) {
            in.addBuffer(out);
        } else {
            out.removeBuffer(in, n);
        }
        bev.io.wrote(n);
        dst.bev.io.readDone(n);
        bev.refresh();
        bev.io.writeDone();
    }

    /** The partner finished or was freed: {@code EOF|READING}, once. */
    private void deliverEof() {
        if (!eofDelivered && !bev.isFreed()) {
            eofDelivered = true;
            bev.io.eof();
        }
    }

    @Override
    void destruct() {
        PairBackend p = unlink();
        if (p != null) {
            p.deliverEof(); // libevent leaves the partner silent; DESIGN.md says it hears EOF
        }
    }

    @Override
    void baseClosed() {
        unlink();
    }

    private PairBackend unlink() {
        PairBackend p = partner;
        partner = null;
        if (p != null) {
            p.partner = null;
        }
        return p;
    }

    @Override
    String kind() {
        return "pair";
    }
}
