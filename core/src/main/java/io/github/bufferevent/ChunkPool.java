package io.github.bufferevent;

/**
 * A small free list of standard-size ({@value EvBuffer#CHUNK_SIZE}-byte) {@link EvBuffer} chunks,
 * so that a buffer in steady state (read some bytes, move them on, write them out) allocates no
 * chunk. Chunks of any other size are never pooled.
 *
 * <p>Threads: any; every method is synchronized. A bufferevent's input and output share one pool,
 * and with {@link BevOption#UNLOCK_CALLBACKS} the loop drains the input in a callback without the
 * bufferevent's lock while another thread holding it may touch the output: the pool must not be
 * the place where the two meet unguarded. An uncontended monitor costs a few nanoseconds per
 * 8 KiB chunk.
 */
final class ChunkPool {

    /** How many free chunks a pool keeps by default. */
    static final int DEFAULT_CAPACITY = 32;

    private final Chunk[] free;
    private int size;
    private long created;

    /** A pool keeping up to {@value #DEFAULT_CAPACITY} free chunks. */
    ChunkPool() {
        this(DEFAULT_CAPACITY);
    }

    /** A pool keeping up to {@code capacity} free chunks ({@code 0} disables pooling). */
    ChunkPool(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, was " + capacity);
        }
        free = new Chunk[capacity];
    }

    /** An empty standard-size chunk: a pooled one if there is one, otherwise a new one. */
    synchronized Chunk take() {
        if (size > 0) {
            Chunk c = free[--size];
            free[size] = null;
            return c;
        }
        created++;
        return new Chunk(new byte[EvBuffer.CHUNK_SIZE]);
    }

    /**
     * Takes back a chunk no buffer uses any more. Kept if it is standard size and there is room,
     * otherwise left to the garbage collector.
     */
    synchronized void give(Chunk c) {
        c.next = null;
        if (c.data.length == EvBuffer.CHUNK_SIZE && size < free.length) {
            c.off = 0;
            c.end = 0;
            free[size++] = c;
        }
    }

    /** How many free chunks the pool holds now. */
    synchronized int size() {
        return size;
    }

    /** How many standard-size chunks {@link #take()} has allocated so far (for tests and stats). */
    synchronized long created() {
        return created;
    }
}
