package io.github.bufferevent.filter;

import io.github.bufferevent.BevFilter;
import io.github.bufferevent.BevFilterResult;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.EvBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses with {@link Inflater} (zlib format) what a {@link DeflateFilter} compressed, as the
 * input filter of a filter bufferevent. It reports {@link BevFilterResult#ERROR} (the bufferevent
 * then reports {@code ERROR|READING}) for data that is not a zlib stream, needs a preset
 * dictionary, continues after the stream's end, or ends without the trailer: at the underlying's
 * EOF ({@link BevFlush#FINISHED}) a stream that began must be complete. NEED_MORE means the input
 * so far held no whole block.
 *
 * <p>{@code dstLimit} is checked between blocks of 4 KiB of compressed input, so a round may pass
 * it by what one such block inflates to. Freeing the bufferevent closes the filter, which releases
 * zlib's memory. Threads: as every {@link BevFilter}, the loop thread of the one bufferevent it
 * serves.
 */
public final class InflateFilter implements BevFilter, AutoCloseable {

    private static final int IN_BLOCK = 4096;
    private static final int OUT_BLOCK = 16384;

    private final Inflater inflater = new Inflater();
    private final byte[] in = new byte[IN_BLOCK];
    private final byte[] out = new byte[OUT_BLOCK];

    /** A filter for one zlib stream. */
    public InflateFilter() {
    }

    @Override
    public BevFilterResult filter(EvBuffer src, EvBuffer dst, long dstLimit, BevFlush mode) {
        long start = dst.length();
        try {
            while (src.length() > 0 && !inflater.finished() && dst.length() - start < dstLimit) {
                int n = src.copyOut(in, 0, (int) Math.min(in.length, src.length()));
                inflater.setInput(in, 0, n);
                int m;
                while ((m = inflater.inflate(out)) > 0) {
                    dst.add(out, 0, m);
                }
                if (inflater.needsDictionary()) {
                    return BevFilterResult.ERROR;
                }
                int used = n - inflater.getRemaining();
                src.drain(used); // bytes past the stream's end stay
                if (used == 0) {
                    break;
                }
            }
        } catch (DataFormatException e) {
            return BevFilterResult.ERROR;
        }
        boolean cutShort = mode == BevFlush.FINISHED && !inflater.finished() && inflater.getBytesRead() > 0;
        if (cutShort || inflater.finished() && src.length() > 0) {
            return BevFilterResult.ERROR;
        }
        return dst.length() > start || inflater.finished() || src.length() > 0 ? BevFilterResult.OK : BevFilterResult.NEED_MORE;
    }

    /** Releases zlib's memory; the filter cannot be used after. */
    @Override
    public void close() {
        inflater.end();
    }

    @Override
    public String toString() {
        return "InflateFilter";
    }
}
