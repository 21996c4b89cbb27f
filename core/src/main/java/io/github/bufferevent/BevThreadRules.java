package io.github.bufferevent;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The thread rules of one bufferevent (DESIGN.md): on the loop thread (or before the loop runs)
 * a call takes the lock and acts now; from another thread it is handed over to the loop, never
 * waiting for a lock the loop may hold while it runs user code, or, without THREADSAFE, refused
 * with {@link IllegalStateException}. Any thread.
 */
final class BevThreadRules {

    private final BufferEvent bev;
    private final EventBase base;
    private final boolean threadSafe;
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final Runnable syncTask;

    BevThreadRules(BufferEvent bev, EventBase base, boolean threadSafe) {
        this.bev = bev;
        this.base = base;
        this.threadSafe = threadSafe;
        this.syncTask = this::sync;
    }

    /** Throws if the caller is a foreign thread and the bufferevent is not THREADSAFE. */
    void check(String method) {
        if (!threadSafe && !base.onLoopOrIdle()) {
            throw foreignThread(method);
        }
    }

    /**
     * Whether the caller is a foreign thread that must hand its call over to the loop instead of
     * taking the lock; throws if it may not call at all (not THREADSAFE).
     */
    boolean foreign(String method) {
        if (base.onLoopOrIdle()) {
            return false;
        }
        if (!threadSafe) {
            throw foreignThread(method);
        }
        return true;
    }

    /** Runs {@code action} under the lock now on the loop thread (or idle), else hands it to the loop; skipped once freed. */
    void runLocked(String method, Runnable action) {
        if (foreign(method)) {
            execute(() -> runLockedNow(action));
        } else {
            runLockedNow(action);
        }
    }

    private void runLockedNow(Runnable action) {
        bev.lock();
        try {
            if (!bev.isFreed()) {
                action.run();
            }
        } finally {
            bev.unlock();
        }
    }

    /** Hands {@code action} to the loop. */
    void execute(Runnable action) {
        try {
            base.execute(action);
        } catch (RejectedExecutionException closed) {
            throw new IllegalStateException("the EventBase is closed", closed);
        }
    }

    /** Lock held or not: the bufferevent's refresh now on the loop, or soon from another thread. */
    void update() {
        if (base.onLoopOrIdle()) {
            bev.lock();
            try {
                bev.refresh();
            } finally {
                bev.unlock();
            }
        } else {
            queueSync();
        }
    }

    /**
     * Has the loop run the bufferevent's sync soon (once for a burst of calls). Returns false if
     * the base is closed and will run nothing more.
     */
    boolean queueSync() {
        if (syncQueued.compareAndSet(false, true)) {
            try {
                base.execute(syncTask);
            } catch (RejectedExecutionException closed) {
                syncQueued.set(false);
                return false;
            }
        }
        return true;
    }

    private void sync() {
        syncQueued.set(false);
        bev.lock();
        try {
            bev.sync();
        } finally {
            bev.unlock();
        }
    }

    static IllegalStateException foreignThread(String method) {
        return new IllegalStateException(method + "() called from thread '" + Thread.currentThread().getName()
                + "' while the loop runs on another thread; create the bufferevent with BevOption.THREADSAFE "
                + "or hand the call over with EventBase.execute()");
    }
}
