package io.github.bufferevent;

import java.nio.ByteBuffer;

/**
 * The space {@link EvBuffer#reserve} handed out, until {@link EvBuffer#commit} makes part of it
 * buffered bytes ({@code evbuffer_reserve_space} / {@code evbuffer_commit_space}). The space is
 * the tail chunk's free room, then chunks taken for the purpose and kept here, unlinked, until
 * the commit links those that received bytes. Any change of the buffer in between ends the
 * reservation ({@link #cancel}), as libevent forbids moving the buffer's memory before the commit.
 *
 * <p>Allocates nothing once warm while standard chunks suffice: the views are the chunks' own
 * reusable wrappers and the chunks come from the buffer's pool. Threads: as its buffer.
 */
final class Reservation {

    private final ChunkChain chain;
    /** The one slot {@link #reserve(int)} passes to the vectored form. */
    private final ByteBuffer[] single = new ByteBuffer[1];
    private boolean active;
    /** Whether the space starts with the free room of the tail chunk. */
    private boolean usesTail;
    /** How many bytes were handed out. */
    private long reserved;
    /** Chunks taken for the space, in order, linked through {@code next}; not in the chain. */
    private Chunk spare;

    Reservation(ChunkChain chain) {
        this.chain = chain;
    }

    /** One contiguous view of at least {@code atLeast} free bytes (argument already checked). */
    ByteBuffer reserve(int atLeast) {
        reserve(atLeast, single);
        ByteBuffer v = single[0];
        single[0] = null;
        return v;
    }

    /**
     * Fills {@code vecs} from slot 0 with views over at least {@code atLeast} free bytes: the
     * tail's room when it is a start (or, with one slot, enough), then standard chunks; the last
     * slot gets a chunk large enough for the rest. Returns how many slots it filled. Replaces any
     * earlier reservation; its chunks are reused.
     */
    int reserve(int atLeast, ByteBuffer[] vecs) {
        releaseSpare();
        int need = atLeast;
        int k = 0;
        Chunk t = chain.tail;
        usesTail = t != null && t.room() > 0 && (vecs.length > 1 || t.room() >= need);
        if (usesTail) {
            vecs[k++] = t.freeSpace();
            need -= t.room();
        }
        Chunk last = null;
        while (need > 0) {
            boolean lastSlot = k == vecs.length - 1;
            Chunk c = chain.newChunk(lastSlot ? need : Math.min(need, EvBuffer.CHUNK_SIZE));
            if (last == null) {
                spare = c;
            } else {
                last.next = c;
            }
            last = c;
            vecs[k++] = c.freeSpace();
            need -= c.room();
        }
        reserved = (long) atLeast - need; // need is now 0, or minus the room beyond atLeast
        active = true;
        return k;
    }

    /**
     * Makes the first {@code n} (&gt;= 0) reserved bytes part of the chain, in the order the space
     * was handed out, and ends the reservation; the caller reports the change.
     *
     * @throws IllegalStateException if nothing is reserved, or {@code n} is more than was; then
     *     nothing changes
     */
    void commit(long n) {
        if (!active) {
            throw nothingReserved();
        }
        if (n > reserved) {
            throw new IllegalStateException("n must be <= the " + reserved + " bytes reserved, was " + n);
        }
        active = false;
        long left = n;
        if (usesTail) {
            Chunk t = chain.tail;
            int k = (int) Math.min(t.room(), left);
            t.end += k;
            left -= k;
        }
        while (left > 0) {
            Chunk c = spare;
            spare = c.next;
            c.next = null;
            int k = (int) Math.min(c.room(), left);
            c.end += k;
            chain.link(c);
            left -= k;
        }
        chain.length += n;
        releaseSpare();
    }

    static IllegalStateException nothingReserved() {
        return new IllegalStateException("nothing is reserved: call reserve first, and change nothing in the"
                + " buffer between reserve and commit (any change ends the reservation)");
    }

    /**
     * Ends the reservation, if any, because the buffer changed; its views must no longer be used.
     * Its chunks stay here, out of the pool, until the next reserve takes them again.
     */
    void cancel() {
        active = false;
    }

    /** Gives the chunks no reservation uses back to the pool. */
    private void releaseSpare() {
        for (Chunk c = spare; c != null; ) {
            Chunk next = c.next;
            chain.pool.give(c);
            c = next;
        }
        spare = null;
    }
}
