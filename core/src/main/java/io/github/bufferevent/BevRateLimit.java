package io.github.bufferevent;

/**
 * The rate limits of one bufferevent (libevent's {@code bufferevent_rate_limit}): its own token
 * bucket, if it has one, and its {@link BevRateLimitGroup}, if it is in one. Before each read or
 * write the backend asks how much it may move ({@link #allowance}); after it, the bytes are taken
 * out of the buckets ({@link #used}). A direction whose own bucket is spent is suspended with
 * {@link BevSuspend#BANDWIDTH} and one timer resumes it at the next tick that refills it; a
 * direction whose group is spent is suspended with {@link BevSuspend#BANDWIDTH_GROUP} until the
 * group's timer resumes its members. Created on first use, never freed before the bufferevent.
 *
 * <p>Threads: loop thread (or before the loop runs) with the bufferevent's lock held, except
 * {@link #limit} (any thread, a snapshot) and the timer and group callbacks, which take the lock.
 */
final class BevRateLimit {

    private static final int ANY_BANDWIDTH = BevSuspend.BANDWIDTH | BevSuspend.BANDWIDTH_GROUP;

    private final BufferEvent bev;
    private final EventBase base;
    private final TokenBucket bucket = new TokenBucket();
    private final TimerHeap.Timer refillTimer = new TimerHeap.Timer(this::refill);
    private volatile EvTokenBucketCfg cfg;
    private volatile BevRateLimitGroup group;

    BevRateLimit(BufferEvent bev) {
        this.bev = bev;
        this.base = bev.base();
    }

    // ------------------------------------------------------------------ settings

    /** {@code bufferevent_set_rate_limit}: a new own bucket, another configuration for it, or none (null). */
    /** The bufferevent's rate limits, created on first use. */
    static BevRateLimit of(BufferEvent bev) {
        BevRateLimit r = bev.rateLimit;
        if (r == null) {
            r = new BevRateLimit(bev);
            bev.rateLimit = r;
        }
        return r;
    }

    /** {@code bufferevent_set_rate_limit}: null removes the own buckets. */
    static void configure(BufferEvent bev, EvTokenBucketCfg cfg) {
        if (cfg != null || bev.rateLimit != null) {
            of(bev).configure(cfg);
        }
    }

    /** Any thread: {@code group} may take {@code bev} in. */
    static void checkJoin(BufferEvent bev, BevRateLimitGroup group) {
        java.util.Objects.requireNonNull(group, "group");
        if (group.base() != bev.base()) {
            throw new IllegalArgumentException("group must run on this bufferevent's EventBase (" + bev.base() + "), was on "
                    + group.base());
        }
        group.checkNotFreed();
    }

    static void leave(BufferEvent bev) {
        if (bev.rateLimit != null) {
            bev.rateLimit.leave();
        }
    }

    /** {@code bufferevent_get_read_limit/write_limit}; Long.MAX_VALUE without limits. Any thread. */
    static long limit(BufferEvent bev, boolean write) {
        BevRateLimit r = bev.rateLimit;
        return r == null ? Long.MAX_VALUE : r.limit(write);
    }

    void configure(EvTokenBucketCfg next) {
        EvTokenBucketCfg old = cfg;
        if (next == null ? old == null : next.equals(old)) {
            return;
        }
        base.cancel(refillTimer);
        if (next == null) {
            cfg = null;
            lift(false, BevSuspend.BANDWIDTH);
            lift(true, BevSuspend.BANDWIDTH);
            return;
        }
        long now = base.now();
        if (old == null) {
            bucket.init(next, next.tickOf(now));
        } else {
            bucket.reconfigure(old, next, now);
        }
        cfg = next;
        for (int d = 0; d < 2; d++) {
            boolean write = d == 1;
            if (bucket.level(write) > 0) {
                lift(write, BevSuspend.BANDWIDTH);
            } else {
                stop(write, BevSuspend.BANDWIDTH);
            }
        }
    }

    /** {@code bufferevent_add_to_rate_limit_group}: leaves the old group, joins {@code g} (suspended at once if it is). */
    void join(BevRateLimitGroup g) {
        if (group == g) {
            return;
        }
        leave();
        if (!g.add(this)) {
            return; // freed meanwhile
        }
        group = g;
        for (int d = 0; d < 2; d++) {
            if (g.suspended(d == 1)) {
                stop(d == 1, BevSuspend.BANDWIDTH_GROUP);
            }
        }
    }

    /** {@code bufferevent_remove_from_rate_limit_group}: out of the group, and no longer held back by it. */
    void leave() {
        BevRateLimitGroup g = group;
        if (g == null) {
            return;
        }
        group = null;
        g.remove(this);
        lift(false, BevSuspend.BANDWIDTH_GROUP);
        lift(true, BevSuspend.BANDWIDTH_GROUP);
    }

    /** The bufferevent is being released: no timer may fire for it, and its group forgets it. */
    void release() {
        base.cancel(refillTimer);
        BevRateLimitGroup g = group;
        if (g != null) {
            group = null;
            g.remove(this);
        }
    }

    // ------------------------------------------------------------------ the I/O path (no allocation)

    /**
     * libevent's {@code bufferevent_get_rlim_max_}: {@code max} clamped to the own bucket and the
     * group share. 0 when a bucket is spent: the direction is then suspended for bandwidth.
     */
    long allowance(boolean write, long max) {
        EvTokenBucketCfg c = cfg;
        if (c != null) {
            bucket.update(c, c.tickOf(base.now()));
            long own = bucket.level(write);
            if (own <= 0) {
                stop(write, BevSuspend.BANDWIDTH);
                return 0;
            }
            max = Math.min(max, own);
        }
        BevRateLimitGroup g = group;
        if (g != null) {
            long share = g.share(write);
            if (share <= 0) {
                stop(write, BevSuspend.BANDWIDTH_GROUP);
                return 0;
            }
            max = Math.min(max, share);
        }
        return max;
    }

    /** libevent's {@code bufferevent_decrement_*_buckets_}: {@code n} bytes moved; suspends what is spent. */
    void used(boolean write, long n) {
        EvTokenBucketCfg c = cfg;
        if (c != null) {
            bucket.update(c, c.tickOf(base.now()));
            if (bucket.take(write, n) <= 0) {
                stop(write, BevSuspend.BANDWIDTH);
            }
        }
        BevRateLimitGroup g = group;
        if (g != null && g.used(write, n)) {
            stop(write, BevSuspend.BANDWIDTH_GROUP);
        }
    }

    // ------------------------------------------------------------------ suspension

    /** Suspends a direction for a bandwidth reason; reports it when the direction was moving for bandwidth until now. */
    private void stop(boolean write, int reason) {
        BevFlowControl flow = bev.flow;
        boolean stoppedAlready = write ? flow.writeSuspended(ANY_BANDWIDTH) : flow.readSuspended(ANY_BANDWIDTH);
        if (reason == BevSuspend.BANDWIDTH && !refillTimer.scheduled()) {
            base.schedule(refillTimer, cfg.untilNextTick(base.now()));
        }
        if (write ? flow.writeSuspended(reason) : flow.readSuspended(reason)) {
            return;
        }
        if (write) {
            flow.suspendWrite(reason);
        } else {
            flow.suspendRead(reason);
        }
        if (!stoppedAlready) {
            bev.instrumentation.rateLimitSuspended(bev, write ? BevEvent.WRITING : BevEvent.READING);
        }
        bev.refresh();
    }

    private void lift(boolean write, int reason) {
        BevFlowControl flow = bev.flow;
        if (write ? !flow.writeSuspended(reason) : !flow.readSuspended(reason)) {
            return;
        }
        if (write) {
            flow.unsuspendWrite(reason);
        } else {
            flow.unsuspendRead(reason);
        }
        bev.refresh();
    }

    /** libevent's {@code bev_refill_callback_}: the tick came; resume what the own bucket pays for again. Timer, no lock held. */
    private void refill() {
        bev.lock();
        try {
            EvTokenBucketCfg c = cfg;
            if (bev.life.isReleased() || c == null) {
                return;
            }
            bucket.update(c, c.tickOf(base.now()));
            boolean again = false;
            for (int d = 0; d < 2; d++) {
                boolean write = d == 1;
                boolean waiting = write ? bev.flow.writeSuspended(BevSuspend.BANDWIDTH) : bev.flow.readSuspended(BevSuspend.BANDWIDTH);
                if (waiting && bucket.level(write) > 0) {
                    lift(write, BevSuspend.BANDWIDTH);
                } else if (waiting) {
                    again = true; // still in debt: wait for another tick
                }
            }
            if (again) {
                base.schedule(refillTimer, c.untilNextTick(base.now()));
            }
        } finally {
            bev.unlock();
        }
    }

    /** The group resumed {@code write}'s direction. Loop thread, no lock held. */
    void groupResumed(boolean write) {
        bev.lock();
        try {
            if (!bev.life.isReleased()) {
                lift(write, BevSuspend.BANDWIDTH_GROUP);
            }
        } finally {
            bev.unlock();
        }
    }

    /** The group was freed: no longer in it. Loop thread. */
    void groupFreed(BevRateLimitGroup g) {
        bev.lock();
        try {
            if (group == g) {
                group = null;
                if (!bev.life.isReleased()) {
                    lift(false, BevSuspend.BANDWIDTH_GROUP);
                    lift(true, BevSuspend.BANDWIDTH_GROUP);
                }
            }
        } finally {
            bev.unlock();
        }
    }

    // ------------------------------------------------------------------ getters

    /**
     * {@code bufferevent_get_read_limit} / {@code _write_limit}: what the own bucket holds now
     * (may be negative: in debt), no more than the group would give this member; Long.MAX_VALUE
     * with neither. Any thread: a snapshot.
     */
    long limit(boolean write) {
        long limit = Long.MAX_VALUE;
        EvTokenBucketCfg c = cfg;
        if (c != null) {
            limit = bucket.levelAt(c, c.tickOf(base.now()), write);
        }
        BevRateLimitGroup g = group;
        if (g != null) {
            limit = Math.min(limit, g.shareNow(write));
        }
        return limit;
    }
}
