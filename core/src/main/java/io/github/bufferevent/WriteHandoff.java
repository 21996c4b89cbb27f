package io.github.bufferevent;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What other threads write to a THREADSAFE bufferevent while its loop runs, on the way to its
 * output: handed over through a lock-free queue, so a writer never waits for the bufferevent's
 * lock, which the loop holds while it runs callbacks (Netty hands writes to its loop the same
 * way). Each write is one entry, so its bytes stay contiguous; entries keep the order in which
 * the writes returned.
 *
 * <p>A gate closes the hand-off when the write side ends (free, or a FINISHED flush): a write
 * that passed the gate before it closed is still delivered, a later one is refused, and the loop
 * shuts the write side only once no writer is left between the gate and the queue
 * ({@link #settled()}).
 *
 * <p>Threads: {@link #offer}, {@link #close()}, {@link #bytes()} from any thread; {@link #drainTo}
 * and {@link #discard()} on the loop thread only.
 */
final class WriteHandoff {

    private static final int CLOSED = Integer.MIN_VALUE;

    /** {@code byte[]} or {@link EvBuffer} entries. */
    private final ConcurrentLinkedQueue<Object> entries = new ConcurrentLinkedQueue<>();
    private final AtomicLong bytes = new AtomicLong();
    /** The CLOSED bit, plus the number of writers between the gate and their enqueue. */
    private final AtomicInteger gate = new AtomicInteger();

    /** Queues {@code data} (which the caller gives up); false if the gate is closed. */
    boolean offer(byte[] data) {
        return offer(data, data.length);
    }

    /** Queues all of {@code data} (which the caller gives up); false if the gate is closed. */
    boolean offer(EvBuffer data) {
        return offer(data, data.length());
    }

    private boolean offer(Object entry, long n) {
        int g;
        do {
            g = gate.get();
            if ((g & CLOSED) != 0) {
                return false;
            }
        } while (!gate.compareAndSet(g, g + 1));
        try {
            bytes.addAndGet(n);
            entries.offer(entry);
        } finally {
            gate.decrementAndGet();
        }
        return true;
    }

    /** Refuses every later {@link #offer}. Idempotent. */
    void close() {
        int g;
        do {
            g = gate.get();
        } while ((g & CLOSED) == 0 && !gate.compareAndSet(g, g | CLOSED));
    }

    boolean isClosed() {
        return (gate.get() & CLOSED) != 0;
    }

    /** Closed, no writer still on its way in, and nothing left to drain. */
    boolean settled() {
        return gate.get() == CLOSED && entries.isEmpty();
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Bytes handed over and not yet drained. Any thread. */
    long bytes() {
        return bytes.get();
    }

    /** Loop thread: moves every queued entry, in order, to the end of {@code out}. */
    void drainTo(EvBuffer out) {
        Object e;
        while ((e = entries.poll()) != null) {
            long n;
            if (e instanceof byte[]) {
                byte[] data = (byte[]) e;
                n = data.length;
                out.add(data);
            } else {
                EvBuffer data = (EvBuffer) e;
                n = data.length();
                out.addBuffer(data);
            }
            bytes.addAndGet(-n);
        }
    }

    /** Loop thread: drops every queued entry (the bufferevent was freed); returns the bytes dropped. */
    long discard() {
        long dropped = 0;
        Object e;
        while ((e = entries.poll()) != null) {
            long n = e instanceof byte[] ? ((byte[]) e).length : ((EvBuffer) e).length();
            bytes.addAndGet(-n);
            dropped += n;
        }
        return dropped;
    }
}
