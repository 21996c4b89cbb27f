package io.github.bufferevent;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The one path by which a bufferevent's read, write and event callbacks run: at once, or
 * deferred to the loop after the current I/O and coalesced (one read call for several reads,
 * event flags OR'ed), as libevent's {@code BEV_OPT_DEFER_CALLBACKS} and {@code bufferevent_trigger}.
 * With {@code UNLOCK_CALLBACKS} the lock is released while user code runs. Loop thread, the
 * bufferevent's lock held.
 */
final class BevCallbacks {

    static final int READ = 1;
    static final int WRITE = 2;

    private final BufferEvent bev;
    private final boolean deferAll;
    private final ReentrantLock unlockDuring;

    private volatile BufferEvent.ReadCallback readCb;
    private volatile BufferEvent.WriteCallback writeCb;
    private volatile BufferEvent.EventCallback eventCb;

    private boolean queued;
    private int deferredData;
    private int deferredEvents;

    BevCallbacks(BufferEvent bev, boolean deferAll, ReentrantLock unlockDuring) {
        this.bev = bev;
        this.deferAll = deferAll;
        this.unlockDuring = unlockDuring;
    }

    void set(BufferEvent.ReadCallback read, BufferEvent.WriteCallback write, BufferEvent.EventCallback event) {
        readCb = read;
        writeCb = write;
        eventCb = event;
    }

    /** Whether a write callback is set and runs at once when due (callbacks not deferred). */
    boolean runsWriteAtOnce() {
        return !deferAll && writeCb != null;
    }

    /** The event callback set now (a filter checks whether the underlying's are still its own). */
    BufferEvent.EventCallback eventCallback() {
        return eventCb;
    }

    /** Input reached the read low watermark. */
    void read() {
        fire(READ, 0, deferAll);
    }

    /** Output drained to the write low watermark. */
    void write() {
        fire(WRITE, 0, deferAll);
    }

    /** {@link BevEvent} flags for the event callback. */
    void event(int events) {
        fire(0, events, deferAll);
    }

    /**
     * Runs the data callbacks in {@code data} ({@link #READ}, {@link #WRITE}) and the event
     * callback with {@code events} (if non-zero), now or deferred.
     */
    void fire(int data, int events, boolean defer) {
        if (defer || deferAll) {
            deferredData |= data;
            deferredEvents |= events;
            if ((data | events) != 0) {
                queue();
            }
            return;
        }
        run(data, events);
    }

    private void queue() {
        if (queued || bev.life.isReleased()) {
            return;
        }
        queued = true;
        EventBase base = bev.base();
        if (base.onLoopOrIdle()) {
            base.queueDeferred(bev);
        } else {
            base.execute(() -> {
                bev.lock();
                try {
                    base.queueDeferred(bev);
                } finally {
                    bev.unlock();
                }
            });
        }
    }

    /** Called by the base (through the bufferevent) after the turn's I/O. */
    void runDeferred() {
        queued = false;
        int data = deferredData;
        int events = deferredEvents;
        deferredData = 0;
        deferredEvents = 0;
        if ((events & BevEvent.CONNECTED) != 0) {
            invoke(0, BevEvent.CONNECTED); // connected before the data that followed it
            events &= ~BevEvent.CONNECTED;
        }
        run(data, events);
    }

    private void run(int data, int events) {
        if ((data & READ) != 0) {
            invoke(READ, 0);
        }
        if ((data & WRITE) != 0) {
            invoke(WRITE, 0);
        }
        if (events != 0) {
            invoke(0, events);
        }
    }

    private void invoke(int which, int events) {
        if (bev.isFreed()) {
            return;
        }
        BufferEvent.ReadCallback r = which == READ ? readCb : null;
        BufferEvent.WriteCallback w = which == WRITE ? writeCb : null;
        BufferEvent.EventCallback e = which == 0 ? eventCb : null;
        if (r == null && w == null && e == null) {
            return;
        }
        int holds = unlockForCallback();
        try {
            if (r != null) {
                r.onRead(bev);
            } else if (w != null) {
                w.onWrite(bev);
            } else {
                e.onEvent(bev, events);
            }
        } catch (Throwable t) {
            String kind = r != null ? "read" : w != null ? "write" : "event";
            LoopLog.log(System.Logger.Level.ERROR, "the " + kind + " callback of " + bev + " threw; the loop goes on", t);
            bev.instrumentation.error(bev, Instrumentation.ErrorKind.CALLBACK, t);
        } finally {
            for (int i = 0; i < holds; i++) {
                unlockDuring.lock();
            }
        }
    }

    /** With UNLOCK_CALLBACKS, releases the lock for the callback; returns how often it was held. */
    private int unlockForCallback() {
        if (unlockDuring == null || !unlockDuring.isHeldByCurrentThread()) {
            return 0;
        }
        int holds = unlockDuring.getHoldCount();
        for (int i = 0; i < holds; i++) {
            unlockDuring.unlock();
        }
        return holds;
    }
}
