package io.github.bufferevent;

import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * libevent's {@code bufferevent_rate_limit_group}: one token bucket shared by every bufferevent
 * added with {@link BufferEvent#addToRateLimitGroup}. Each read or write of a member may take its
 * share of what the bucket holds (the bucket divided by the number of members, but at least
 * {@link #setMinShare minShare}); once the bucket is spent every member stops in that direction
 * (suspended for bandwidth) until a tick refills it to at least {@code minShare}, when one timer
 * resumes the members, a different one first each time. A bufferevent may also have a limit of
 * its own; the smaller of the two applies.
 *
 * <p>Threads: any thread may call every method. The group lives on its base's loop: a call from
 * another thread while the loop runs is handed over with {@link EventBase#execute} (and takes
 * effect on the loop's next turn); on the loop thread, or before the loop runs, it acts at once.
 * Its members must run on the same base.
 */
public final class BevRateLimitGroup {

    /** libevent's default minimum share, in bytes. */
    public static final long DEFAULT_MIN_SHARE = 64;

    private final EventBase base;
    private final TokenBucket bucket = new TokenBucket();
    private final TimerHeap.Timer refillTimer = new TimerHeap.Timer(this::refill);
    /** Loop thread only. */
    private final ArrayList<BevRateLimit> members = new ArrayList<>();
    private volatile int memberCount;
    private volatile EvTokenBucketCfg cfg;
    private volatile long configuredMinShare = DEFAULT_MIN_SHARE;
    private volatile long minShare;
    private volatile boolean readSuspended;
    private volatile boolean writeSuspended;
    private volatile long totalRead;
    private volatile long totalWritten;
    private volatile boolean freed;
    /** Which member resumes first next time. Loop thread only. */
    private int rotation;

    private BevRateLimitGroup(EventBase base, EvTokenBucketCfg cfg) {
        this.base = base;
        this.cfg = cfg;
        this.minShare = effectiveMinShare(DEFAULT_MIN_SHARE, cfg);
        bucket.init(cfg, cfg.tickOf(base.now()));
    }

    /**
     * {@code bufferevent_rate_limit_group_new()}: a group on {@code base} whose members share one
     * bucket configured by {@code cfg}; minimum share 64 bytes.
     *
     * @throws IllegalStateException if the base is closed
     */
    public static BevRateLimitGroup create(EventBase base, EvTokenBucketCfg cfg) {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cfg, "cfg");
        if (base.isClosed()) {
            throw new IllegalStateException("the EventBase is closed");
        }
        return new BevRateLimitGroup(base, cfg);
    }

    /**
     * {@code bufferevent_rate_limit_group_set_cfg()}: new rates for the shared bucket. What it
     * holds now is kept, but no more than the new bursts; a new tick length starts from now.
     *
     * @throws IllegalStateException if the group was freed or its base is closed
     */
    public void setConfig(EvTokenBucketCfg cfg) {
        Objects.requireNonNull(cfg, "cfg");
        checkNotFreed();
        onLoop(() -> {
            EvTokenBucketCfg old = this.cfg;
            if (freed || cfg.equals(old)) {
                return;
            }
            long now = base.now();
            bucket.reconfigure(old, cfg, now);
            this.cfg = cfg;
            minShare = effectiveMinShare(configuredMinShare, cfg);
            if (refillTimer.scheduled()) {
                base.schedule(refillTimer, cfg.untilNextTick(now)); // the next tick of the new length
            }
        });
    }

    /**
     * {@code bufferevent_rate_limit_group_set_min_share()}: the least a member may move at once
     * while the group has budget (0 for a plain equal share), and the least the bucket must hold
     * before suspended members resume. Capped at the read and write rates, so at least one member
     * can move each tick. Default {@value #DEFAULT_MIN_SHARE}.
     *
     * @throws IllegalArgumentException if {@code minShare} is negative
     * @throws IllegalStateException if the group was freed or its base is closed
     */
    public void setMinShare(long minShare) {
        if (minShare < 0) {
            throw new IllegalArgumentException("minShare must be >= 0 (bytes), was " + minShare);
        }
        checkNotFreed();
        onLoop(() -> {
            configuredMinShare = minShare;
            this.minShare = effectiveMinShare(minShare, cfg);
        });
    }

    /** {@code bufferevent_rate_limit_group_get_totals()}: bytes the members have read since the group was created. Any thread. */
    public long totalRead() {
        return totalRead;
    }

    /** {@code bufferevent_rate_limit_group_get_totals()}: bytes the members have written since the group was created. Any thread. */
    public long totalWritten() {
        return totalWritten;
    }

    /** The configuration in force (or about to be, after a {@link #setConfig} handed to the loop). Any thread. */
    public EvTokenBucketCfg config() {
        return cfg;
    }

    /** The base the group and its members run on. Any thread. */
    public EventBase base() {
        return base;
    }

    /** Whether {@link #free()} was called. Any thread. */
    public boolean isFreed() {
        return freed;
    }

    /**
     * {@code bufferevent_rate_limit_group_free()}: cancels the timer and removes every member,
     * which resumes at once if the group held it back (libevent requires the group to be empty
     * first; here freeing is enough). Idempotent. Adding a bufferevent afterwards fails.
     */
    public void free() {
        if (freed) {
            return;
        }
        freed = true;
        try {
            onLoop(this::release);
        } catch (IllegalStateException closed) {
            // the base closed: its timers and bufferevents are gone with it
        }
    }

    @Override
    public String toString() {
        return "BevRateLimitGroup[" + cfg + ", " + memberCount + " members" + (freed ? ", freed" : "") + "]";
    }

    // ------------------------------------------------------------------ for BevRateLimit (loop thread)

    /** Adds a member; false if the group was freed meanwhile. */
    boolean add(BevRateLimit member) {
        if (freed) {
            return false;
        }
        members.add(member);
        memberCount = members.size();
        return true;
    }

    void remove(BevRateLimit member) {
        members.remove(member);
        memberCount = members.size();
    }

    boolean suspended(boolean write) {
        return write ? writeSuspended : readSuspended;
    }

    /** What one member may move now: 0 when the bucket is spent (the group is then suspended). */
    long share(boolean write) {
        if (suspended(write)) {
            return 0;
        }
        EvTokenBucketCfg c = cfg;
        bucket.update(c, c.tickOf(base.now()));
        long level = bucket.level(write);
        if (level <= 0) {
            suspend(write);
            return 0;
        }
        return shareOf(level);
    }

    /** A member moved {@code n} bytes; returns whether the group is suspended in that direction now. */
    boolean used(boolean write, long n) {
        EvTokenBucketCfg c = cfg;
        bucket.update(c, c.tickOf(base.now()));
        long level = bucket.take(write, n);
        if (write) {
            totalWritten += n;
        } else {
            totalRead += n;
        }
        if (level <= 0) {
            suspend(write);
        }
        return suspended(write);
    }

    /** {@link #share} without changing anything, for {@code readLimit()}/{@code writeLimit()}. Any thread. */
    long shareNow(boolean write) {
        if (suspended(write)) {
            return 0;
        }
        EvTokenBucketCfg c = cfg;
        long level = bucket.levelAt(c, c.tickOf(base.now()), write);
        return level <= 0 ? 0 : shareOf(level);
    }

    /** libevent's share: the bucket divided among all members, at least minShare (and 1). */
    private long shareOf(long level) {
        long share = level / Math.max(1, memberCount);
        return Math.max(1, Math.max(share, minShare));
    }

    /**
     * libevent's {@code bev_group_suspend_*}: the bucket is spent. The member that spent it stops
     * at once; the others stop when they next ask for their share, so no member's lock is taken
     * here (the caller holds one already).
     */
    private void suspend(boolean write) {
        if (write) {
            writeSuspended = true;
        } else {
            readSuspended = true;
        }
        if (!refillTimer.scheduled()) {
            base.schedule(refillTimer, cfg.untilNextTick(base.now()));
        }
    }

    /** libevent's {@code bev_group_refill_callback_}: the tick came; resume the members once the bucket holds minShare. Timer, no lock held. */
    private void refill() {
        if (freed) {
            return;
        }
        EvTokenBucketCfg c = cfg;
        bucket.update(c, c.tickOf(base.now()));
        boolean again = false;
        for (int d = 0; d < 2; d++) {
            boolean write = d == 1;
            if (!suspended(write)) {
                continue;
            }
            long level = bucket.level(write);
            if (level > 0 && level >= minShare) {
                resume(write);
            } else {
                again = true;
            }
        }
        if (again) {
            base.schedule(refillTimer, c.untilNextTick(base.now()));
        }
    }

    /** libevent's {@code bev_group_unsuspend_*}: every member may move again, starting with the next one in turn. */
    private void resume(boolean write) {
        if (write) {
            writeSuspended = false;
        } else {
            readSuspended = false;
        }
        int n = members.size();
        if (n == 0) {
            return;
        }
        int first = Math.floorMod(rotation++, n);
        for (int i = 0; i < n && i < members.size(); i++) {
            members.get((first + i) % members.size()).groupResumed(write);
        }
    }

    private void release() {
        base.cancel(refillTimer);
        readSuspended = false;
        writeSuspended = false;
        while (!members.isEmpty()) {
            BevRateLimit m = members.remove(members.size() - 1);
            memberCount = members.size();
            m.groupFreed(this);
        }
    }

    private static long effectiveMinShare(long configured, EvTokenBucketCfg cfg) {
        return Math.min(configured, Math.min(cfg.readRate(), cfg.writeRate()));
    }

    void checkNotFreed() {
        if (freed) {
            throw new IllegalStateException("this rate-limit group has been freed");
        }
    }

    /** Runs {@code action} now on the loop thread or before the loop runs, else on the loop's next turn. */
    private void onLoop(Runnable action) {
        if (base.onLoopOrIdle()) {
            action.run();
            return;
        }
        try {
            base.execute(action);
        } catch (RejectedExecutionException closed) {
            throw new IllegalStateException("the EventBase is closed", closed);
        }
    }
}
