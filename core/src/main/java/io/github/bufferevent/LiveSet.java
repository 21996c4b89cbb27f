package io.github.bufferevent;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bufferevents and listeners alive on one {@link EventBase}: what its statistics sum up,
 * what a graceful shutdown drains and what closing the base frees.
 *
 * <p>Threads: adding, removing, {@link #size()}, the totals and {@link #snapshot()} from any thread
 * (concurrent sets, so the totals are snapshots); {@link #startShutdown()} and
 * {@link #bufferEvents()} on the loop thread; {@link #closeAll()} on the thread closing the base.
 */
final class LiveSet {

    private final Set<BufferEvent> events = ConcurrentHashMap.newKeySet();
    private final Set<ConnectionListener> listeners = ConcurrentHashMap.newKeySet();

    void add(BufferEvent bev) {
        events.add(bev);
    }

    void remove(BufferEvent bev) {
        events.remove(bev);
    }

    void add(ConnectionListener l) {
        listeners.add(l);
    }

    void remove(ConnectionListener l) {
        listeners.remove(l);
    }

    int size() {
        return events.size();
    }

    /** The live bufferevents themselves, for a loop-thread pass over them. */
    Iterable<BufferEvent> bufferEvents() {
        return events;
    }

    long bufferedInput() {
        long sum = 0;
        for (BufferEvent bev : events) {
            sum += bev.bufferedInput();
        }
        return sum;
    }

    long bufferedOutput() {
        long sum = 0;
        for (BufferEvent bev : events) {
            sum += bev.bufferedOutput();
        }
        return sum;
    }

    List<BufferEvent> snapshot() {
        return new ArrayList<>(events);
    }

    /** A graceful shutdown begins: listeners stop accepting, every bufferevent starts draining its output. */
    void startShutdown() {
        for (ConnectionListener l : listeners) {
            l.disable();
        }
        for (BufferEvent bev : events) {
            bev.startShutdownFlush();
        }
    }

    /**
     * The base closes: frees every bufferevent and listener without running a user callback,
     * discarding (and logging) the output still pending.
     */
    void closeAll() {
        long discarded = 0;
        int withOutput = 0;
        for (BufferEvent bev : events) {
            long pending = bev.bufferedOutput();
            if (pending > 0) {
                discarded += pending;
                withOutput++;
            }
            bev.onBaseClosed();
        }
        for (ConnectionListener l : listeners) {
            l.onBaseClosed();
        }
        if (discarded > 0) {
            LoopLog.log(System.Logger.Level.WARNING, "EventBase closed with " + discarded + " bytes of pending output in "
                    + withOutput + " bufferevents; they are discarded (use flush(Ev.WRITE, BevFlush.FINISHED) or shutdownGracefully)");
        }
        events.clear();
        listeners.clear();
    }
}
