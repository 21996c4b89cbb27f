package io.github.bufferevent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * libevent's {@code evbuffer}: a byte queue stored as a singly linked chain of chunks. Bytes are
 * added at the end and removed from the front; moving data between buffers relinks whole chunks
 * instead of copying them, and draining drops whole chunks in constant time.
 *
 * <p>Not thread-safe: a bufferevent's buffers are guarded by the bufferevent; a standalone
 * {@code EvBuffer} must be confined to one thread at a time.
 *
 * <p>Views returned by {@link #pullup(long)} and {@link #peek(long)} share memory with the buffer
 * and are valid only until the next call that changes this buffer (adding, draining, removing,
 * moving, prepending, reading a line, or another pullup): after that they may show other bytes.
 */
public final class EvBuffer {

    /** Capacity of a standard chunk; only chunks of exactly this size are pooled. */
    static final int CHUNK_SIZE = 8192;

    /** addBuffer copies the source into this tail instead of relinking when it is smaller. */
    static final int COPY_THRESHOLD = 512;

    private static final int MAX_ARRAY_SIZE = Integer.MAX_VALUE - 8;
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final Callback[] NO_CALLBACKS = new Callback[0];
    private static final ByteBuffer[] NO_VECS = new ByteBuffer[0];

    /** One link of the chain: the bytes {@code data[off, end)} are buffered. */
    static final class Chunk {
        final byte[] data;
        /** Wrapper of {@link #data} made once, reused by {@link EvBuffer#writeTo}. */
        final ByteBuffer view;
        int off;
        int end;
        Chunk next;

        Chunk(byte[] data) {
            this.data = data;
            this.view = ByteBuffer.wrap(data);
        }

        int length() {
            return end - off;
        }
    }

    /**
     * Told about every change of a buffer's length, before the user callbacks; a bufferevent uses
     * it to watch its buffers.
     */
    interface ChangeHook {
        /** Same arguments as {@link Callback#onChange}. */
        void onChange(EvBuffer buffer, long originalSize, long added, long deleted);
    }

    /**
     * libevent's {@code evbuffer_cb_func} with {@code evbuffer_cb_info} unpacked: told after every
     * operation that changed the buffer's length.
     */
    @FunctionalInterface
    public interface Callback {
        /**
         * Called after a change of the buffer's length.
         *
         * @param buffer the buffer that changed
         * @param originalSize its length before the operation
         * @param added how many bytes the operation added
         * @param deleted how many bytes the operation removed
         */
        void onChange(EvBuffer buffer, long originalSize, long added, long deleted);
    }

    private final ChunkPool pool;
    /** Every chunk from head to tail holds at least one byte; both are null when empty. */
    private Chunk head;
    private Chunk tail;
    private long length;
    private ChangeHook hook;
    private Callback[] callbacks = NO_CALLBACKS;
    /** Length of the EOL found by the last {@link #findEol} (scratch, avoids an allocation). */
    private int eolLength;

    /** An empty buffer with its own chunk pool. */
    public EvBuffer() {
        this(new ChunkPool());
    }

    /** An empty buffer taking its chunks from {@code pool}, which other buffers may share. */
    EvBuffer(ChunkPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool must not be null");
    }

    /** Sets (or, with {@code null}, clears) the single internal change hook. */
    void hook(ChangeHook hook) {
        this.hook = hook;
    }

    /** {@code evbuffer_get_length}: how many bytes are buffered. O(1). */
    public long length() {
        return length;
    }

    // ------------------------------------------------------------------ adding

    /**
     * {@code evbuffer_add}: appends a copy of all of {@code data}.
     *
     * @throws NullPointerException if {@code data} is null
     */
    public void add(byte[] data) {
        Objects.requireNonNull(data, "data must not be null");
        add(data, 0, data.length);
    }

    /**
     * {@code evbuffer_add}: appends a copy of {@code data[off, off + len)}. Fills the free space of
     * the last chunk first, then adds chunks.
     *
     * @throws NullPointerException if {@code data} is null
     * @throws IndexOutOfBoundsException if {@code off} or {@code len} is outside {@code data}
     */
    public void add(byte[] data, int off, int len) {
        checkRange("data", data, off, len);
        if (len == 0) {
            return;
        }
        long before = length;
        append(data, off, len);
        changed(before, len, 0);
    }

    /**
     * Appends a copy of the {@code src.remaining()} bytes of {@code src} and advances its position
     * to its limit. Works with heap, direct and read-only buffers.
     *
     * @throws NullPointerException if {@code src} is null
     */
    public void add(ByteBuffer src) {
        Objects.requireNonNull(src, "src must not be null");
        int total = src.remaining();
        if (total == 0) {
            return;
        }
        long before = length;
        length += total;
        int len = total;
        Chunk t = tail;
        if (t != null) {
            int k = Math.min(t.data.length - t.end, len);
            src.get(t.data, t.end, k);
            t.end += k;
            len -= k;
        }
        while (len > 0) {
            Chunk c = newChunk(len);
            int k = Math.min(c.data.length, len);
            src.get(c.data, 0, k);
            c.end = k;
            link(c);
            len -= k;
        }
        changed(before, total, 0);
    }

    /**
     * {@code evbuffer_add_buffer}: moves all of {@code src} to the end of this buffer; {@code src}
     * becomes empty. Chunks are relinked, not copied, except that a small source (under
     * 512 bytes) that fits in this buffer's last chunk is copied there.
     * Callbacks of {@code src} run first, then those of this buffer. Adding a buffer to itself
     * does nothing, as in libevent.
     *
     * @throws NullPointerException if {@code src} is null
     */
    public void addBuffer(EvBuffer src) {
        Objects.requireNonNull(src, "src must not be null");
        long n = src.length;
        if (n == 0 || src == this) {
            return;
        }
        long before = length;
        Chunk t = tail;
        if (t != null && n < COPY_THRESHOLD && t.data.length - t.end >= n) {
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
        src.changed(n, 0, n);
        changed(before, n, 0);
    }

    /**
     * {@code evbuffer_remove_buffer}: moves up to {@code n} bytes from the front of this buffer to
     * the end of {@code dst}. Whole chunks are relinked; only the chunk split at the boundary is
     * copied. Callbacks of this buffer run first, then those of {@code dst}. Moving to itself
     * moves nothing and returns 0, as in libevent.
     *
     * @return how many bytes were moved: {@code min(n, length())}
     * @throws NullPointerException if {@code dst} is null
     * @throws IllegalArgumentException if {@code n < 0}
     */
    public long removeBuffer(EvBuffer dst, long n) {
        Objects.requireNonNull(dst, "dst must not be null");
        checkNonNegative("n", n);
        long moved = Math.min(n, length);
        if (moved == 0 || dst == this) {
            return 0;
        }
        long before = length;
        long dstBefore = dst.length;
        long left = moved;
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
            dst.appendChain(first, last, moved - left);
        }
        if (left > 0) {
            // c is the new head and holds more than left bytes
            dst.append(c.data, c.off, (int) left);
            c.off += (int) left;
        }
        length -= moved;
        changed(before, 0, moved);
        dst.changed(dstBefore, moved, 0);
        return moved;
    }

    /**
     * {@code evbuffer_prepend}: puts a copy of all of {@code data} in front of the buffered bytes.
     *
     * @throws NullPointerException if {@code data} is null
     */
    public void prepend(byte[] data) {
        Objects.requireNonNull(data, "data must not be null");
        prepend(data, 0, data.length);
    }

    /**
     * {@code evbuffer_prepend}: puts a copy of {@code data[off, off + len)} in front of the
     * buffered bytes. Uses the free space before the first chunk's data when there is some (the
     * space left by earlier drains or prepends); what does not fit goes at the end of a new first
     * chunk, so that further prepends find room.
     *
     * @throws NullPointerException if {@code data} is null
     * @throws IndexOutOfBoundsException if {@code off} or {@code len} is outside {@code data}
     */
    public void prepend(byte[] data, int off, int len) {
        checkRange("data", data, off, len);
        if (len == 0) {
            return;
        }
        long before = length;
        Chunk h = head;
        if (h == null) {
            append(data, off, len);
        } else {
            int k = Math.min(h.off, len);
            h.off -= k;
            System.arraycopy(data, off + len - k, h.data, h.off, k);
            int left = len - k;
            while (left > 0) {
                Chunk c = newChunk(left);
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
        changed(before, len, 0);
    }

    // ------------------------------------------------------------------ removing

    /**
     * {@code evbuffer_remove}: copies up to {@code dst.length} bytes from the front into
     * {@code dst} and drains them.
     *
     * @return how many bytes were copied and drained
     * @throws NullPointerException if {@code dst} is null
     */
    public int remove(byte[] dst) {
        Objects.requireNonNull(dst, "dst must not be null");
        return remove(dst, 0, dst.length);
    }

    /**
     * {@code evbuffer_remove}: copies up to {@code len} bytes from the front into
     * {@code dst[off...]} and drains them.
     *
     * @return how many bytes were copied and drained: {@code min(len, length())}
     * @throws NullPointerException if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} or {@code len} is outside {@code dst}
     */
    public int remove(byte[] dst, int off, int len) {
        checkRange("dst", dst, off, len);
        long before = length;
        int n = copy(dst, off, len);
        if (n > 0) {
            drainChunks(n);
            changed(before, 0, n);
        }
        return n;
    }

    /**
     * {@code evbuffer_copyout}: copies up to {@code dst.length} bytes from the front into
     * {@code dst} without draining them.
     *
     * @return how many bytes were copied
     * @throws NullPointerException if {@code dst} is null
     */
    public int copyOut(byte[] dst) {
        Objects.requireNonNull(dst, "dst must not be null");
        return copyOut(dst, 0, dst.length);
    }

    /**
     * {@code evbuffer_copyout}: copies up to {@code len} bytes from the front into
     * {@code dst[off...]} without draining them.
     *
     * @return how many bytes were copied: {@code min(len, length())}
     * @throws NullPointerException if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code off} or {@code len} is outside {@code dst}
     */
    public int copyOut(byte[] dst, int off, int len) {
        checkRange("dst", dst, off, len);
        return copy(dst, off, len);
    }

    /**
     * {@code evbuffer_drain}: discards {@code min(n, length())} bytes from the front. Whole chunks
     * are dropped in constant time each.
     *
     * @throws IllegalArgumentException if {@code n < 0}
     */
    public void drain(long n) {
        checkNonNegative("n", n);
        long k = Math.min(n, length);
        if (k == 0) {
            return;
        }
        long before = length;
        drainChunks(k);
        changed(before, 0, k);
    }

    /**
     * Gathering write of up to {@code maxBytes} from the front into {@code ch}, using at most
     * {@code scratch.length} chunks per call; the bytes written are drained (hook and callbacks
     * fire once). Allocates nothing: each chunk's own wrapper is put into {@code scratch}, and the
     * used slots are cleared again before returning.
     *
     * @return how many bytes {@code ch} took (0 if none, or if there was nothing to write)
     */
    long writeTo(GatheringByteChannel ch, long maxBytes, ByteBuffer[] scratch) throws IOException {
        Objects.requireNonNull(ch, "ch must not be null");
        Objects.requireNonNull(scratch, "scratch must not be null");
        if (scratch.length < 1) {
            throw new IllegalArgumentException("scratch must have at least 1 slot, had 0");
        }
        checkNonNegative("maxBytes", maxBytes);
        long left = Math.min(maxBytes, length);
        int n = 0;
        for (Chunk c = head; c != null && left > 0 && n < scratch.length; c = c.next) {
            int len = (int) Math.min(c.length(), left);
            ByteBuffer v = c.view;
            v.limit(c.off + len).position(c.off);
            scratch[n++] = v;
            left -= len;
        }
        if (n == 0) {
            return 0;
        }
        long written;
        try {
            written = ch.write(scratch, 0, n);
        } finally {
            Arrays.fill(scratch, 0, n, null);
        }
        if (written > 0) {
            long before = length;
            drainChunks(written);
            changed(before, 0, written);
        }
        return Math.max(written, 0);
    }

    // ------------------------------------------------------------------ inspecting

    /**
     * {@code evbuffer_pullup}: makes the first {@code size} bytes contiguous and returns a view of
     * exactly them (position 0, limit {@code size}), backed by the buffer's chunk: writing to it
     * changes the buffered bytes. The view is valid until the next change of this buffer.
     * Copies only when the first chunk does not already hold {@code size} bytes.
     *
     * @param size how many bytes, or {@code -1} for the whole buffer
     * @return the view; {@code null} if {@code size > length()}; an empty buffer if the size is 0
     *     (libevent returns NULL there)
     * @throws IllegalArgumentException if {@code size < -1}, or larger than one Java array can hold
     */
    public ByteBuffer pullup(long size) {
        if (size < -1) {
            throw new IllegalArgumentException("size must be -1 (whole buffer) or >= 0, was " + size);
        }
        long want = size == -1 ? length : size;
        if (want > length) {
            return null;
        }
        if (want == 0) {
            return ByteBuffer.allocate(0);
        }
        Chunk h = head;
        if (h.length() >= want) {
            return ByteBuffer.wrap(h.data, h.off, (int) want).slice();
        }
        if (want > MAX_ARRAY_SIZE) {
            throw new IllegalArgumentException("size must be <= " + MAX_ARRAY_SIZE + " to fit one array, was " + want);
        }
        int total = (int) want;
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
            target = total <= CHUNK_SIZE ? pool.take() : new Chunk(new byte[total]);
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
     * {@code evbuffer_search} from position 0.
     *
     * @see #search(byte[], long)
     */
    public long search(byte[] what) {
        return search(what, 0);
    }

    /**
     * {@code evbuffer_search}: the first position {@code >= start} where {@code what} occurs,
     * including matches that span chunk borders; the buffer is scanned in place, not copied. An
     * empty pattern matches at {@code start} if {@code start <= length()}.
     *
     * @return the position, or {@code -1} if there is none
     * @throws NullPointerException if {@code what} is null
     * @throws IllegalArgumentException if {@code start < 0}
     */
    public long search(byte[] what, long start) {
        Objects.requireNonNull(what, "what must not be null");
        checkNonNegative("start", start);
        if (what.length == 0) {
            return start <= length ? start : -1;
        }
        long last = length - what.length; // last position where a match can start
        if (start > last) {
            return -1;
        }
        Chunk c = head;
        long base = 0; // position of c.data[c.off]
        while (base + c.length() <= start) {
            base += c.length();
            c = c.next;
        }
        byte first = what[0];
        int i = c.off + (int) (start - base);
        while (true) {
            // scan only up to the last possible start position
            int stop = (int) Math.min(c.end, c.off + (last - base) + 1);
            byte[] d = c.data;
            for (; i < stop; i++) {
                if (d[i] == first && matchesAt(c, i, what)) {
                    return base + (i - c.off);
                }
            }
            if (stop < c.end) {
                return -1;
            }
            base += c.length();
            c = c.next;
            if (c == null) {
                return -1;
            }
            i = c.off;
        }
    }

    /** Whether {@code what[1...]} follows {@code c.data[i]}, possibly over later chunks. */
    private static boolean matchesAt(Chunk c, int i, byte[] what) {
        int j = i + 1;
        for (int k = 1; k < what.length; k++, j++) {
            while (j == c.end) {
                c = c.next;
                if (c == null) {
                    return false;
                }
                j = c.off;
            }
            if (c.data[j] != what[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code evbuffer_peek}: fills {@code vecs} with read-only views of the chunks holding the
     * first {@code len} bytes, one per chunk, in order. The views together cover exactly
     * {@code min(len, length())} bytes: unlike libevent, the last one is cut at {@code len}.
     * Slots beyond those filled are left alone. Views are valid until the next change of this
     * buffer.
     *
     * @param len how many bytes, or {@code -1} for all
     * @return how many views are needed, which may be more than {@code vecs.length} (only that
     *     many are filled), as in libevent; pass an empty array to just count
     * @throws NullPointerException if {@code vecs} is null
     * @throws IllegalArgumentException if {@code len < -1}
     */
    public int peek(long len, ByteBuffer[] vecs) {
        Objects.requireNonNull(vecs, "vecs must not be null");
        if (len < -1) {
            throw new IllegalArgumentException("len must be -1 (all) or >= 0, was " + len);
        }
        long want = len == -1 ? length : Math.min(len, length);
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
     * Read-only views covering the first {@code len} bytes, one per chunk, as by
     * {@link #peek(long, ByteBuffer[])}.
     *
     * @param len how many bytes, or {@code -1} for all
     * @return an unmodifiable list of views, valid until the next change of this buffer
     * @throws IllegalArgumentException if {@code len < -1}
     */
    public List<ByteBuffer> peek(long len) {
        ByteBuffer[] vecs = new ByteBuffer[peek(len, NO_VECS)];
        peek(len, vecs);
        return List.of(vecs);
    }

    // ------------------------------------------------------------------ lines

    /**
     * {@code evbuffer_readln}: takes one complete line off the front, decoded as UTF-8 (malformed
     * input is replaced), without its end-of-line; the line and its end-of-line are drained.
     *
     * @return the line, or {@code null} if no complete line is buffered yet
     * @throws NullPointerException if {@code style} is null
     * @see #readLineBytes(EolStyle)
     */
    public String readLine(EolStyle style) {
        byte[] line = readLineBytes(style);
        return line == null ? null : new String(line, StandardCharsets.UTF_8);
    }

    /**
     * {@code evbuffer_readln} returning raw bytes. The end of line follows libevent exactly:
     * <ul>
     * <li>{@link EolStyle#ANY}: the first CR or LF, together with the whole run of CR and LF bytes
     * buffered right after it ({@code "a\r\n\r\nb"} gives {@code "a"} and leaves {@code "b"});</li>
     * <li>{@link EolStyle#CRLF}: the first LF, with the CR before it if there is one; a lone CR
     * stays in the line;</li>
     * <li>{@link EolStyle#CRLF_STRICT}: only CR LF; a CR at the very end waits for its LF;</li>
     * <li>{@link EolStyle#LF}: an LF; {@link EolStyle#NUL}: a 0 byte.</li>
     * </ul>
     *
     * @return the line without its end of line, or {@code null} if no complete line is buffered
     * @throws NullPointerException if {@code style} is null
     * @throws IllegalStateException if the line is longer than one Java array can hold
     */
    public byte[] readLineBytes(EolStyle style) {
        Objects.requireNonNull(style, "style must not be null");
        long lineLength = findEol(style);
        if (lineLength < 0) {
            return null;
        }
        if (lineLength > MAX_ARRAY_SIZE) {
            throw new IllegalStateException("line of " + lineLength + " bytes does not fit one array");
        }
        byte[] line = new byte[(int) lineLength];
        copy(line, 0, line.length);
        long before = length;
        long drained = lineLength + eolLength;
        drainChunks(drained);
        changed(before, 0, drained);
        return line;
    }

    /**
     * The length of the first line ending in {@code style}, or -1 if there is no complete line;
     * sets {@link #eolLength}.
     */
    private long findEol(EolStyle style) {
        boolean any = style == EolStyle.ANY;
        byte target = style == EolStyle.NUL ? 0 : LF;
        int prev = -1; // the byte before the current one, -1 at the start
        long pos = 0;
        for (Chunk c = head; c != null; c = c.next) {
            byte[] d = c.data;
            for (int i = c.off; i < c.end; i++, pos++) {
                byte b = d[i];
                if (any ? (b == CR || b == LF) : b == target) {
                    switch (style) {
                        case ANY:
                            eolLength = crlfRun(c, i);
                            return pos;
                        case CRLF:
                            eolLength = prev == CR ? 2 : 1;
                            return pos - (eolLength - 1);
                        case CRLF_STRICT:
                            if (prev == CR) {
                                eolLength = 2;
                                return pos - 1;
                            }
                            break;
                        default: // LF, NUL
                            eolLength = 1;
                            return pos;
                    }
                }
                prev = b;
            }
        }
        return -1;
    }

    /** How many CR/LF bytes run from {@code c.data[i]} on, over later chunks too. */
    private static int crlfRun(Chunk c, int i) {
        int n = 0;
        while (c != null) {
            for (; i < c.end; i++) {
                byte b = c.data[i];
                if (b != CR && b != LF) {
                    return n;
                }
                n++;
            }
            c = c.next;
            if (c != null) {
                i = c.off;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ callbacks

    /**
     * {@code evbuffer_add_cb}: registers {@code cb}, called after every operation that changes the
     * length of this buffer. Registering the same callback twice makes it run twice.
     *
     * @return {@code cb}, to pass to {@link #removeCallback}
     * @throws NullPointerException if {@code cb} is null
     */
    public Callback addCallback(Callback cb) {
        Objects.requireNonNull(cb, "cb must not be null");
        Callback[] now = Arrays.copyOf(callbacks, callbacks.length + 1);
        now[now.length - 1] = cb;
        callbacks = now;
        return cb;
    }

    /**
     * {@code evbuffer_remove_cb_entry}: unregisters {@code cb} (one registration of it). A callback
     * may remove itself or others while it runs; a removed callback is not called again, not even
     * later in the same round.
     *
     * @return whether {@code cb} was registered
     */
    public boolean removeCallback(Callback cb) {
        Callback[] cbs = callbacks;
        for (int i = 0; i < cbs.length; i++) {
            if (cbs[i] == cb) {
                Callback[] now = new Callback[cbs.length - 1];
                System.arraycopy(cbs, 0, now, 0, i);
                System.arraycopy(cbs, i + 1, now, i, now.length - i);
                callbacks = now.length == 0 ? NO_CALLBACKS : now;
                return true;
            }
        }
        return false;
    }

    /** A short description: {@code "EvBuffer[length=N, chunks=M]"}. */
    @Override
    public String toString() {
        return "EvBuffer[length=" + length + ", chunks=" + chunkCount() + "]";
    }

    // ------------------------------------------------------------------ internals

    /** How many chunks hold the bytes (for tests and {@link #toString()}). */
    int chunkCount() {
        int n = 0;
        for (Chunk c = head; c != null; c = c.next) {
            n++;
        }
        return n;
    }

    /** The pool this buffer takes chunks from and gives drained chunks back to. */
    ChunkPool pool() {
        return pool;
    }

    private void changed(long before, long added, long deleted) {
        ChangeHook h = hook;
        if (h != null) {
            h.onChange(this, before, added, deleted);
        }
        Callback[] cbs = callbacks;
        for (int i = 0; i < cbs.length; i++) {
            Callback cb = cbs[i];
            if (cbs != callbacks && !isRegistered(cb)) {
                continue; // removed by an earlier callback of this round
            }
            cb.onChange(this, before, added, deleted);
        }
    }

    private boolean isRegistered(Callback cb) {
        for (Callback c : callbacks) {
            if (c == cb) {
                return true;
            }
        }
        return false;
    }

    /** Appends a copy without firing callbacks. */
    private void append(byte[] src, int off, int len) {
        length += len;
        Chunk t = tail;
        if (t != null) {
            int k = Math.min(t.data.length - t.end, len);
            System.arraycopy(src, off, t.data, t.end, k);
            t.end += k;
            off += k;
            len -= k;
        }
        while (len > 0) {
            Chunk c = newChunk(len);
            int k = Math.min(c.data.length, len);
            System.arraycopy(src, off, c.data, 0, k);
            c.end = k;
            link(c);
            off += k;
            len -= k;
        }
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

    private void link(Chunk c) {
        if (tail == null) {
            head = c;
        } else {
            tail.next = c;
        }
        tail = c;
    }

    /**
     * A new empty chunk for {@code need} more bytes: always a pooled standard one. Large adds
     * become chains of standard chunks, which return to the pool when drained, so streaming big
     * writes allocates nothing once warm (a 16 KiB chunk per write would).
     */
    private Chunk newChunk(int need) {
        return pool.take();
    }

    /** Copies {@code min(len, length)} bytes from the front without draining; returns the count. */
    private int copy(byte[] dst, int off, int len) {
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

    /** Drops {@code n} (0 &lt; n &lt;= length) bytes from the front without firing callbacks. */
    private void drainChunks(long n) {
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

    private static void checkRange(String name, byte[] array, int off, int len) {
        if (array == null) { // no requireNonNull: its message would be built on every call
            throw new NullPointerException(name + " must not be null");
        }
        if ((off | len) < 0 || len > array.length - off) {
            throw new IndexOutOfBoundsException("off and len must satisfy 0 <= off, 0 <= len, off + len <= "
                    + name + ".length (" + array.length + "), were off=" + off + ", len=" + len);
        }
    }

    private static void checkNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
    }
}
