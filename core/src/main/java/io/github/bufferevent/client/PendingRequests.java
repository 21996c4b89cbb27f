package io.github.bufferevent.client;

import io.github.bufferevent.internal.SafeLogger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Requests waiting for a connection to take them (none is up, or every one is failing back or
 * draining), oldest first; exchanges among them whose reply timeout passes first fail without
 * ever being sent. Their bytes stay counted in {@link HeldBytes} until they leave.
 *
 * <p>Threads: the loop thread only.
 */
final class PendingRequests {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent.client");

    private final RequestRouter router;
    private final ClientSettings settings;
    private final HeldBytes held;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final DeadlineTimer timer;

    PendingRequests(RequestRouter router, ClientSettings settings, HeldBytes held) {
        this.router = router;
        this.settings = settings;
        this.held = held;
        this.timer = new DeadlineTimer(settings.base, this::failOverdue);
    }

    void add(Request r) {
        queue.add(r);
        timer.armFor(r.deadline);
    }

    /** The oldest request, removed, or null. */
    Request poll() {
        return queue.poll();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Every request waiting fails with {@code why}; raw bytes that never went out are logged. */
    void failAll(Throwable why) {
        long dropped = 0;
        Request r;
        while ((r = queue.poll()) != null) {
            if (r.kind == Request.WRITE) {
                dropped += r.data.length;
            }
            router.dropQueued(r, why);
        }
        if (dropped > 0) {
            LOG.log(Level.WARNING, "client '" + settings.name + "' closed: " + dropped + " pending bytes could not be sent");
        }
        held.checkWritableAgain();
    }

    /** Exchanges whose reply timeout passed before any connection took them fail; they were never sent. */
    private void failOverdue() {
        long now = settings.base.nanoTime();
        long next = 0;
        List<Request> due = null;
        for (Iterator<Request> it = queue.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.deadline == 0) {
                continue;
            }
            if (r.deadline - now <= 0) {
                it.remove();
                if (due == null) {
                    due = new ArrayList<>();
                }
                due.add(r);
            } else if (next == 0) {
                next = r.deadline;
            }
        }
        timer.armFor(next);
        // Only now complete them: a continuation may call exchange() again and touch the queue.
        if (due != null) {
            for (Request r : due) {
                router.dropQueued(r, settings.replyTimedOut("a connection (none is up)"));
            }
        }
    }
}
