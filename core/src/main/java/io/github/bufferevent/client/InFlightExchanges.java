package io.github.bufferevent.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The exchanges written on one connection, oldest first: replies match them in order. One whose
 * reply timeout passes fails, but stays in line as a tombstone: its reply may still come, and must
 * be matched to it (and dropped), not to the next caller. An exchange leaves the client's
 * outstanding count when it leaves the line, before its future completes.
 *
 * <p>Threads: the loop thread only, except {@link #inFlight()} (a volatile snapshot).
 */
final class InFlightExchanges {

    private final BufferEventClient client;
    private final ArrayDeque<Request> line = new ArrayDeque<>();
    private final DeadlineTimer timer;
    /** The first {@code expired} in line timed out. */
    private int expired;
    private volatile int inFlight;

    /** {@code onTimer} runs on the loop when a reply may be overdue: it calls {@link #expireOverdue}. */
    InFlightExchanges(BufferEventClient client, Runnable onTimer) {
        this.client = client;
        this.timer = new DeadlineTimer(client.settings.base, onTimer);
    }

    /** {@code r} is on the wire: in line for its reply. */
    void add(Request r) {
        line.add(r);
        inFlight = live();
        timer.armFor(r.deadline);
    }

    /** Exchanges waiting for their reply, tombstones not counted. */
    int live() {
        return line.size() - expired;
    }

    /** {@link #live()} as last seen on the loop; any thread. */
    int inFlight() {
        return inFlight;
    }

    /**
     * A reply arrived: removes and returns the oldest exchange, whose reply it is (the caller
     * drops it if that exchange had {@link Request#expired}), or returns null if none waits.
     */
    Request answered() {
        Request r = line.poll();
        if (r == null) {
            return null;
        }
        client.admission.released(1);
        if (r.expired) {
            expired--;
        }
        inFlight = live(); // before completing: whoever the reply wakes sees the counts settled
        return r;
    }

    /** Removes and returns the oldest exchange still waiting, dropping timed-out ones before it; null if none. */
    Request nextLive() {
        Request r;
        while ((r = line.poll()) != null) {
            if (r.expired) {
                expired--;
                client.admission.released(1);
                continue;
            }
            inFlight = live();
            return r;
        }
        return null;
    }

    /**
     * Marks the exchanges whose reply is overdue as tombstones and arms the timer for the next
     * deadline; returns them for the caller to fail (after: a continuation may call exchange()
     * again and touch the line), or null.
     */
    List<Request> expireOverdue() {
        long now = client.settings.base.nanoTime();
        List<Request> due = null;
        Iterator<Request> it = line.iterator();
        for (int skip = expired; skip > 0 && it.hasNext(); skip--) {
            it.next();
        }
        while (it.hasNext()) {
            Request r = it.next();
            if (r.deadline == 0) {
                continue;
            }
            if (r.deadline - now > 0) {
                timer.armFor(r.deadline);
                break;
            }
            r.expired = true;
            expired++;
            if (due == null) {
                due = new ArrayList<>();
            }
            due.add(r);
        }
        inFlight = live();
        return due;
    }

    /** Empties the line, counts settled; returns the exchanges that were still waiting (tombstones dropped). */
    List<Request> clear() {
        int n = line.size();
        if (n == 0) {
            return List.of();
        }
        List<Request> waiting = new ArrayList<>(n - expired);
        for (Request r : line) {
            if (!r.expired) {
                waiting.add(r);
            }
        }
        line.clear();
        expired = 0;
        inFlight = 0;
        client.admission.released(n);
        return waiting;
    }
}
