package io.github.bufferevent.filter;

import io.github.bufferevent.BevFilter;
import io.github.bufferevent.BevFilterResult;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.EvBuffer;
import java.util.zip.Deflater;

/**
 * Compresses with {@link Deflater} (zlib format), as the output filter of a filter bufferevent;
 * {@link InflateFilter} on the peer's input undoes it. {@link BevFlush#NORMAL} compresses as data
 * comes (zlib may hold some back for better compression); {@link BevFlush#FLUSH} ends a sync-flush
 * block, so the peer can inflate everything written so far; {@link BevFlush#FINISHED} writes the
 * stream's trailer, after which nothing more can be compressed (ERROR).
 *
 * <pre>{@code
 * BufferEvent zbev = BufferEvent.filter(bev, new InflateFilter(), new DeflateFilter(6), BevOption.CLOSE_ON_FREE);
 * zbev.write(data);
 * zbev.flush(Ev.WRITE, BevFlush.FINISHED); // trailer, then EOF
 * }</pre>
 *
 * <p>{@code dstLimit} is checked between blocks of 8 KiB of input. Freeing the bufferevent closes
 * the filter, which releases zlib's memory. Threads: as every {@link BevFilter}, the loop thread of
 * the one bufferevent it serves.
 */
public final class DeflateFilter implements BevFilter, AutoCloseable {

    private static final int BLOCK = 8192;

    private final Deflater deflater;
    private final int level;
    private final byte[] in = new byte[BLOCK];
    private final byte[] out = new byte[BLOCK];

    /** A filter compressing at zlib's default level ({@link Deflater#DEFAULT_COMPRESSION}). */
    public DeflateFilter() {
        this(Deflater.DEFAULT_COMPRESSION);
    }

    /**
     * A filter compressing at {@code level}.
     *
     * @param level 0 (none, fastest) .. 9 (best), or -1 for zlib's default (6)
     * @throws IllegalArgumentException if {@code level} is outside -1..9
     */
    public DeflateFilter(int level) {
        if (level < -1 || level > 9) {
            throw new IllegalArgumentException("level must be in -1..9 (-1 = zlib's default), was " + level);
        }
        this.level = level;
        this.deflater = new Deflater(level);
    }

    @Override
    public BevFilterResult filter(EvBuffer src, EvBuffer dst, long dstLimit, BevFlush mode) {
        if (deflater.finished()) {
            return src.length() == 0 ? BevFilterResult.OK : BevFilterResult.ERROR; // past the trailer
        }
        long start = dst.length();
        while (src.length() > 0 && dst.length() - start < dstLimit) {
            int n = src.remove(in, 0, (int) Math.min(in.length, src.length()));
            deflater.setInput(in, 0, n);
            while (!deflater.needsInput()) {
                emit(dst, Deflater.NO_FLUSH);
            }
        }
        if (src.length() > 0 || mode == BevFlush.NORMAL) {
            return BevFilterResult.OK;
        }
        if (mode == BevFlush.FINISHED) {
            deflater.finish();
            while (!deflater.finished()) {
                emit(dst, Deflater.NO_FLUSH);
            }
        } else {
            int n;
            do {
                n = emit(dst, Deflater.SYNC_FLUSH);
            } while (n == out.length); // a full buffer: zlib may have more (Deflater.deflate's contract)
        }
        return BevFilterResult.OK;
    }

    private int emit(EvBuffer dst, int flush) {
        int n = deflater.deflate(out, 0, out.length, flush);
        dst.add(out, 0, n);
        return n;
    }

    /** Releases zlib's memory; the filter cannot be used after. */
    @Override
    public void close() {
        deflater.end();
    }

    @Override
    public String toString() {
        return "DeflateFilter(level=" + level + ")";
    }
}
