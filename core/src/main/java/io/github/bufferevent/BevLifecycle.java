package io.github.bufferevent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;

/**
 * A bufferevent's one lifecycle state: NEW → CONNECTING → CONNECTED → FREED → RELEASED, moving
 * only forward except CONNECTING back to NEW when a connect fails. Moves are atomic, so a free
 * from another thread is never overwritten by the loop's connect outcome. Any thread.
 */
final class BevLifecycle {

    static final int NEW = 0;
    static final int CONNECTING = 1;
    static final int CONNECTED = 2;
    /** {@code free()} was called; the loop has not released the bufferevent yet. */
    static final int FREED = 3;
    static final int RELEASED = 4;
    private static final String[] NAMES = {"new", "connecting", "connected", "freed", "released"};

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(BevLifecycle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;
    private volatile Instant connectedSince;

    int state() {
        return state;
    }

    /** Moves the state from {@code from} to {@code to}; false if it was not {@code from} (freed meanwhile). */
    boolean move(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    boolean isConnected() {
        return state == CONNECTED;
    }

    boolean isFreed() {
        return state >= FREED;
    }

    boolean isReleased() {
        return state == RELEASED;
    }

    /** Freed, unless already; true if this call freed it. */
    boolean markFreed() {
        int s;
        do {
            s = state;
            if (s >= FREED) {
                return false;
            }
        } while (!STATE.compareAndSet(this, s, FREED));
        return true;
    }

    /** Released; false if it already was. */
    boolean markReleased() {
        return (int) STATE.getAndSet(this, RELEASED) != RELEASED;
    }

    /** The connection is established (the state moved to CONNECTED): remember when. */
    void markConnected() {
        connectedSince = Instant.now();
    }

    Instant connectedSince() {
        return connectedSince;
    }

    String name() {
        return NAMES[state];
    }
}
