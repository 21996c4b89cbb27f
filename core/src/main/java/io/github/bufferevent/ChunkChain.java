package io.github.bufferevent;

import java.nio.ByteBuffer;

/**
 * The storage behind an {@link EvBuffer}: a singly linked chain of chunks and its length, with the
 * copying and relinking every operation is made of. Knows nothing of callbacks or argument
 * checks: {@link EvBuffer} validates, calls in here, then reports the change.
 *
 * <p>Invariant: every chunk from {@link #head} to {@link #tail} holds at least one byte; both are
 * null when the chain is empty. Threads: as its buffer (one thread at a time).
 */
final class ChunkChain {

    /** {@link #takeAll} copies the source into this tail instead of relinking when it is smaller. */
    static final int COPY_THRESHOLD = 512;

    /** The largest array the JVM reliably allocates. */
    static final int MAX_ARRAY_SIZE = Integer.MAX_VALUE - 8;

    final ChunkPool pool;
    Chunk head;
    Chunk tail;
    long length;

    ChunkChain(ChunkPool pool) {
        this.pool = pool;
    }

    /**
     * An empty chunk with room for at least {@code atLeast} contiguous bytes: a pooled standard
     * chunk when {@code atLeast <= CHUNK_SIZE}, otherwise a one-off chunk of exactly {@code atLeast}
     * bytes that the pool will not keep. Adding asks for at most a standard chunk's worth at a
     * time, so large adds become chains of standard chunks that go back to the pool when drained,
     * and streaming big writes allocates nothing once warm; only {@link #pullup} and a reservation,
     * which promise contiguous bytes, ask for more.
     */
    Chunk newChunk(int atLeast) {
        return atLeast <= EvBuffer.CHUNK_SIZE ? pool.take() : new Chunk(new byte[atLeast]);
    }

    /** Appends a copy of {@code src[off, off + len)}. */
    void append(byte[] src, int off, int len) {
        append(src, off, null, len);
    }

    /** Appends a copy of the remaining bytes of {@code src}, advancing its position to its limit. */
    void append(ByteBuffer src) {
        append(null, 0, src, src.remaining());
    }

    /**
     * The one filling loop: copies {@code len} bytes from {@code array[off...]}, or from
     * {@code buffer} when {@code array} is null, into the tail's free space and then new chunks.
     */
    private void append(byte[] array, int off, ByteBuffer buffer, int len) {
        length += len;
        Chunk c = tail;
        while (len > 0) {
            if (c == null || c.room() == 0) {
                c = newChunk(Math.min(len, EvBuffer.CHUNK_SIZE));
                link(c);
            }
            int k = Math.min(c.room(), len);
            if (array != null) {
                System.arraycopy(array, off, c.data, c.end, k);
            } else {
                buffer.get(c.data, c.end, k);
            }
            c.end += k;
            off += k;
            len -= k;
        }
    }

    /**
     * Puts a copy of {@code data[off, off + len)} in front: into the free space before the first
     * chunk's bytes, then at the end of new first chunks, so that further prepends find room.
     */
    void prepend(byte[] data, int off, int len) {
        Chunk h = head;
        if (h == null) {
            append(data, off, len);
            return;
        }
        int k = Math.min(h.off, len);
        h.off -= k;
        System.arraycopy(data, off + len - k, h.data, h.off, k);
        int left = len - k;
        while (left > 0) {
            Chunk c = newChunk(Math.min(left, EvBuffer.CHUNK_SIZE));
            int n = Math.min(c.data.length, left);
            c.end = c.data.length;
            c.off = c.end - n;
            System.arraycopy(data, off + left - n, c.data, c.off, n);
            c.next = head;
            head = c;
            left -= n;
        }
        length += len;
    }

    /**
     * Moves all of the non-empty {@code src} (not this chain) to the end; {@code src} becomes empty.
     * A source under {@link #COPY_THRESHOLD} bytes that fits in the tail is copied there (its chunks
     * go back to its pool); otherwise its chunks are relinked.
     */
    void takeAll(ChunkChain src) {
        long n = src.length;
        Chunk t = tail;
        if (t != null && n < COPY_THRESHOLD && t.room() >= n) {
            for (Chunk c = src.head; c != null; ) {
                int len = c.length();
                System.arraycopy(c.data, c.off, t.data, t.end, len);
                t.end += len;
                Chunk next = c.next;
                src.pool.give(c);
                c = next;
            }
            length += n;
        } else {
            appendChain(src.head, src.tail, n);
        }
        src.head = null;
        src.tail = null;
        src.length = 0;
    }

    /**
     * Moves the first {@code n} (0 &lt; n &lt;= length) bytes to the end of {@code dst}: whole chunks
     * are relinked, only the chunk split at the boundary is copied.
     */
    void moveTo(ChunkChain dst, long n) {
        long left = n;
        Chunk first = head;
        Chunk last = null;
        Chunk c = head;
        while (c != null && c.length() <= left) {
            left -= c.length();
            last = c;
            c = c.next;
        }
        if (last != null) {
            last.next = null;
            head = c;
            if (c == null) {
                tail = null;
            }
            dst.appendChain(first, last, n - left);
        }
        if (left > 0) {
            // c is the new head and holds more than left bytes
            dst.append(c.data, c.off, (int) left);
            c.off += (int) left;
        }
        length -= n;
    }

    /** Copies {@code min(len, length)} bytes from the front without draining; returns the count. */
    int copy(byte[] dst, int off, int len) {
        int n = (int) Math.min(len, length);
        int left = n;
        for (Chunk c = head; left > 0; c = c.next) {
            int k = Math.min(c.length(), left);
            System.arraycopy(c.data, c.off, dst, off, k);
            off += k;
            left -= k;
        }
        return n;
    }

    /** Drops {@code n} (0 &lt;= n &lt;= length) bytes from the front; drained chunks go to the pool. */
    void drain(long n) {
        length -= n;
        Chunk c = head;
        while (n > 0) {
            int len = c.length();
            if (len > n) {
                c.off += (int) n;
                break;
            }
            n -= len;
            Chunk next = c.next;
            pool.give(c);
            c = next;
        }
        head = c;
        if (c == null) {
            tail = null;
        }
    }

    /**
     * Puts into {@code scratch} the chunks' own wrappers, positioned over the first
     * {@code min(max, length)} bytes, one per chunk and at most {@code scratch.length}; returns how
     * many slots it filled. Allocates nothing.
     */
    int gather(long max, ByteBuffer[] scratch) {
        long left = Math.min(max, length);
        int n = 0;
        for (Chunk c = head; c != null && left > 0 && n < scratch.length; c = c.next) {
            int len = (int) Math.min(c.length(), left);
            ByteBuffer v = c.view;
            v.limit(c.off + len).position(c.off);
            scratch[n++] = v;
            left -= len;
        }
        return n;
    }

    /**
     * Fills {@code vecs} with new read-only views of the chunks holding the first {@code want}
     * (&lt;= length) bytes, the last cut at {@code want}; returns how many views that takes, which
     * may be more than it filled.
     */
    int peek(long want, ByteBuffer[] vecs) {
        int count = 0;
        long covered = 0;
        for (Chunk c = head; c != null && covered < want; c = c.next) {
            int n = (int) Math.min(c.length(), want - covered);
            if (count < vecs.length) {
                vecs[count] = ByteBuffer.wrap(c.data, c.off, n).slice().asReadOnlyBuffer();
            }
            count++;
            covered += n;
        }
        return count;
    }

    /**
     * Makes the first {@code total} (0 &lt; total &lt;= length) bytes contiguous in the head chunk and
     * returns a view of exactly them. Copies only when the head does not hold them already: into
     * the head's free space if they fit after its bytes, else into the head compacted to its
     * start, else into a new head chunk.
     */
    ByteBuffer pullup(int total) {
        Chunk h = head;
        if (h.length() >= total) {
            return ByteBuffer.wrap(h.data, h.off, total).slice();
        }
        Chunk target;
        Chunk src;
        if (h.data.length - h.off >= total) {
            target = h;
            src = h.next;
        } else if (h.data.length >= total) {
            int len = h.length();
            System.arraycopy(h.data, h.off, h.data, 0, len);
            h.off = 0;
            h.end = len;
            target = h;
            src = h.next;
        } else {
            target = newChunk(total);
            src = h;
        }
        int need = total - target.length();
        while (need > 0) {
            int len = src.length();
            if (len <= need) {
                System.arraycopy(src.data, src.off, target.data, target.end, len);
                target.end += len;
                need -= len;
                Chunk next = src.next;
                pool.give(src);
                src = next;
            } else {
                System.arraycopy(src.data, src.off, target.data, target.end, need);
                target.end += need;
                src.off += need;
                need = 0;
            }
        }
        target.next = src;
        head = target;
        if (src == null) {
            tail = target;
        }
        return ByteBuffer.wrap(target.data, target.off, total).slice();
    }

    /**
     * Links {@code c} after the tail without counting its bytes; the caller fills it (and counts
     * them) before anything else sees the chain.
     */
    void link(Chunk c) {
        appendChain(c, c, 0);
    }

    /** Links the non-empty chain {@code first..last} holding {@code n} bytes after the tail. */
    private void appendChain(Chunk first, Chunk last, long n) {
        if (tail == null) {
            head = first;
        } else {
            tail.next = first;
        }
        tail = last;
        length += n;
    }

    /** How many chunks hold the bytes. */
    int chunkCount() {
        int n = 0;
        for (Chunk c = head; c != null; c = c.next) {
            n++;
        }
        return n;
    }
}
