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
 * Space handed out by {@link #reserve(int)} is valid until {@link #commit(long)} or such a change.
 */
public final class EvBuffer {

    /** Capacity of a standard chunk; only chunks of exactly this size are pooled. */
    static final int CHUNK_SIZE = 8192;

    private static final Callback[] NO_CALLBACKS = new Callback[0];
    private static final ByteBuffer[] NO_VECS = new ByteBuffer[0];

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

    private final ChunkChain chain;
    private ChangeHook hook;
    private Callback[] callbacks = NO_CALLBACKS;
    /** Made on the first {@link #reserve}; most buffers never reserve. */
    private Reservation reservation;

    /** An empty buffer with its own chunk pool. */
    public EvBuffer() {
        this(new ChunkPool());
    }

    /** An empty buffer taking its chunks from {@code pool}, which other buffers may share. */
    EvBuffer(ChunkPool pool) {
        this.chain = new ChunkChain(Objects.requireNonNull(pool, "pool must not be null"));
    }

    /** Sets (or, with {@code null}, clears) the single internal change hook. */
    void hook(ChangeHook hook) {
        this.hook = hook;
    }

    /** {@code evbuffer_get_length}: how many bytes are buffered. O(1). */
    public long length() {
        return chain.length;
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
        long before = chain.length;
        chain.append(data, off, len);
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
        long before = chain.length;
        chain.append(src);
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
        long n = src.chain.length;
        if (n == 0 || src == this) {
            return;
        }
        long before = chain.length;
        touched();
        chain.takeAll(src.chain);
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
        long moved = Math.min(n, chain.length);
        if (moved == 0 || dst == this) {
            return 0;
        }
        long before = chain.length;
        long dstBefore = dst.chain.length;
        dst.touched();
        chain.moveTo(dst.chain, moved);
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
        long before = chain.length;
        chain.prepend(data, off, len);
        changed(before, len, 0);
    }

    // ------------------------------------------------------------------ reserving

    /**
     * {@code evbuffer_reserve_space} with one extent: free space of at least {@code atLeast}
     * contiguous bytes at the end of the buffer, to fill in place (a channel read, an
     * {@code SSLEngine.unwrap}) and then append with {@link #commit(long)}, with no scratch copy.
     * The view is a reusable wrapper over a chunk of this buffer: its position is the first
     * reserved byte, its limit the end of the space, and {@code remaining() >= atLeast} (it may be
     * more; all of it is reserved, and lowering the limit is fine). Write only between that
     * position and limit. Reserved bytes are not part of the buffer until committed. The space is
     * the last chunk's free room when that is enough, otherwise a pooled chunk (above
     * {@value #CHUNK_SIZE} bytes, a one-off chunk of exactly {@code atLeast}): once warm nothing is
     * allocated.
     *
     * <p>Reserving again replaces the reservation. Any change of this buffer before the commit
     * (adding, draining, removing, moving, prepending, pullup, reading a line, also from a
     * callback) ends the reservation: its views must not be used any more, and {@code commit}
     * throws. Threads: as every method here, one thread at a time, and nothing else may touch the
     * buffer between reserve and commit.
     *
     * @param atLeast how many contiguous free bytes the view must offer, at least
     * @return the view, valid until the commit or the next change of this buffer
     * @throws IllegalArgumentException if {@code atLeast} is not between 1 and
     *     {@code Integer.MAX_VALUE - 8}
     */
    public ByteBuffer reserve(int atLeast) {
        checkReservable(atLeast);
        return reservation().reserve(atLeast);
    }

    /**
     * {@code evbuffer_reserve_space} with several extents, for a scattering read such as
     * {@code SocketChannel.read(vecs, 0, n)}: fills {@code vecs} from slot 0 with views over at
     * least {@code atLeast} free bytes in all. The first is the last chunk's free room if it has
     * any, the others pooled standard chunks; if the slots run out, the last one gets a chunk large
     * enough for the rest. With one slot this is {@link #reserve(int)}, whose rules apply. Slots
     * after those filled are left alone. {@link #commit(long)} appends the first {@code n} reserved
     * bytes in slot order, the order in which a scattering read fills them. Nothing is allocated
     * once warm when {@code vecs.length >= 2 + (atLeast - 1) / 8192}: then pooled chunks always
     * suffice and no slot needs a one-off chunk.
     *
     * @param atLeast how many free bytes the views must offer together, at least
     * @param vecs where to put the views
     * @return how many slots were filled, from 1 to {@code vecs.length}
     * @throws NullPointerException if {@code vecs} is null
     * @throws IllegalArgumentException if {@code vecs} is empty, or {@code atLeast} is not between
     *     1 and {@code Integer.MAX_VALUE - 8}
     */
    public int reserve(int atLeast, ByteBuffer[] vecs) {
        Objects.requireNonNull(vecs, "vecs must not be null");
        if (vecs.length < 1) {
            throw new IllegalArgumentException("vecs must have at least 1 slot, had 0");
        }
        checkReservable(atLeast);
        return reservation().reserve(atLeast, vecs);
    }

    /**
     * {@code evbuffer_commit_space}: appends the first {@code n} bytes of the reserved space, as
     * written through the views, and ends the reservation; the rest of the space is let go. The
     * views' positions are not consulted: pass the count that was written, such as what the
     * channel read returned. As {@code add} does, the change hook and the callbacks run once, with
     * {@code added == n}; committing 0 only ends the reservation and reports nothing. Threads: see
     * {@link #reserve(int)}.
     *
     * @param n how many reserved bytes to append, from 0 to all that were reserved (the views'
     *     {@code remaining()} when handed out, summed)
     * @throws IllegalArgumentException if {@code n < 0}
     * @throws IllegalStateException if nothing is reserved (no reserve, already committed, or the
     *     buffer changed since), or if {@code n} is more than was reserved; nothing changes then
     */
    public void commit(long n) {
        checkNonNegative("n", n);
        if (reservation == null) {
            throw Reservation.nothingReserved();
        }
        long before = chain.length;
        reservation.commit(n);
        if (n > 0) {
            changed(before, n, 0);
        }
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
        long before = chain.length;
        int n = chain.copy(dst, off, len);
        if (n > 0) {
            chain.drain(n);
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
        return chain.copy(dst, off, len);
    }

    /**
     * {@code evbuffer_drain}: discards {@code min(n, length())} bytes from the front. Whole chunks
     * are dropped in constant time each.
     *
     * @throws IllegalArgumentException if {@code n < 0}
     */
    public void drain(long n) {
        checkNonNegative("n", n);
        long k = Math.min(n, chain.length);
        if (k == 0) {
            return;
        }
        long before = chain.length;
        chain.drain(k);
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
        int n = chain.gather(maxBytes, scratch);
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
            long before = chain.length;
            chain.drain(written);
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
        long want = size == -1 ? chain.length : size;
        if (want > chain.length) {
            return null;
        }
        if (want == 0) {
            return ByteBuffer.allocate(0);
        }
        if (want > ChunkChain.MAX_ARRAY_SIZE) {
            throw new IllegalArgumentException("size must be <= " + ChunkChain.MAX_ARRAY_SIZE + " to fit one array, was " + want);
        }
        touched();
        return chain.pullup((int) want);
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
            return start <= chain.length ? start : -1;
        }
        return ChainSearch.search(chain.head, chain.length, what, start);
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
        return chain.peek(len == -1 ? chain.length : Math.min(len, chain.length), vecs);
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
        long lineLength = ChainSearch.findEol(chain.head, style);
        if (lineLength < 0) {
            return null;
        }
        if (lineLength > ChunkChain.MAX_ARRAY_SIZE) {
            throw new IllegalStateException("line of " + lineLength + " bytes does not fit one array");
        }
        byte[] line = new byte[(int) lineLength];
        chain.copy(line, 0, line.length);
        long before = chain.length;
        long drained = lineLength + ChainSearch.eolLength(chain.head, lineLength, style);
        chain.drain(drained);
        changed(before, 0, drained);
        return line;
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
        return "EvBuffer[length=" + chain.length + ", chunks=" + chain.chunkCount() + "]";
    }

    // ------------------------------------------------------------------ internals

    /** How many chunks hold the bytes (for tests). */
    int chunkCount() {
        return chain.chunkCount();
    }

    /** The pool this buffer takes chunks from and gives drained chunks back to. */
    ChunkPool pool() {
        return chain.pool;
    }

    private Reservation reservation() {
        Reservation r = reservation;
        if (r == null) {
            r = new Reservation(chain);
            reservation = r;
        }
        return r;
    }

    /** Ends the reservation, if any: the buffer changed, or is about to. */
    private void touched() {
        if (reservation != null) {
            reservation.cancel();
        }
    }

    private void changed(long before, long added, long deleted) {
        touched();
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

    private static void checkRange(String name, byte[] array, int off, int len) {
        if (array == null) { // no requireNonNull: its message would be built on every call
            throw new NullPointerException(name + " must not be null");
        }
        if ((off | len) < 0 || len > array.length - off) {
            throw new IndexOutOfBoundsException("off and len must satisfy 0 <= off, 0 <= len, off + len <= "
                    + name + ".length (" + array.length + "), were off=" + off + ", len=" + len);
        }
    }

    private static void checkReservable(int atLeast) {
        if (atLeast < 1 || atLeast > ChunkChain.MAX_ARRAY_SIZE) {
            throw new IllegalArgumentException("atLeast must be between 1 and " + ChunkChain.MAX_ARRAY_SIZE + ", was " + atLeast);
        }
    }

    private static void checkNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
    }
}
