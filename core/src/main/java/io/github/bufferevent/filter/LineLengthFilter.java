package io.github.bufferevent.filter;

import io.github.bufferevent.BevFilter;
import io.github.bufferevent.BevFilterResult;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import java.util.Objects;

/**
 * A guard for line protocols: passes bytes through unchanged, and fails with
 * {@link BevFilterResult#ERROR} (so the filter bufferevent reports {@code ERROR|READING}) as soon
 * as a line grows past {@code maxLength} bytes, before a peer that never sends a line end fills
 * the memory. No byte past the limit is passed on: the reader sees at most {@code maxLength} bytes
 * of the line that is too long (with the CRLF styles, plus a CR that could have begun its line end).
 *
 * <p>Lines end as {@link EvBuffer#readLineBytes(EolStyle)} ends them, and their length is what it
 * would return (without the line end): {@link EolStyle#CRLF} (the default) an LF with an optional
 * CR before it, {@link EolStyle#CRLF_STRICT} only CR LF, {@link EolStyle#LF} an LF (a CR counts in
 * the line), {@link EolStyle#NUL} a 0 byte, {@link EolStyle#ANY} any CR or LF. A last line without
 * a line end is checked as it comes, like the others.
 *
 * <p>Use it as the input filter: {@code BufferEvent.filter(bev, new LineLengthFilter(8192), null)}.
 * It honours {@code dstLimit} exactly. Threads: as every {@link BevFilter}, the loop thread of the
 * one bufferevent it serves; it keeps the state of the current line.
 */
public final class LineLengthFilter implements BevFilter {

    private static final int BLOCK = 4096;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final int maxLength;
    private final EolStyle eol;
    private final byte[] scratch = new byte[BLOCK];
    /** Bytes of the current line so far, not counting {@link #crs}. */
    private long length;
    /** CRs just seen that end the line if an LF follows (CRLF styles): all but the last count then. */
    private int crs;

    /**
     * A guard for lines ended as {@link EolStyle#CRLF} says (LF or CR LF).
     *
     * @param maxLength the longest line allowed, in bytes without the line end: 1..2147483647
     * @throws IllegalArgumentException if {@code maxLength} is below 1
     */
    public LineLengthFilter(int maxLength) {
        this(maxLength, EolStyle.CRLF);
    }

    /**
     * A guard for lines ended as {@code eol} says.
     *
     * @param maxLength the longest line allowed, in bytes without the line end: 1..2147483647
     * @param eol what ends a line
     * @throws IllegalArgumentException if {@code maxLength} is below 1
     * @throws NullPointerException if {@code eol} is null
     */
    public LineLengthFilter(int maxLength, EolStyle eol) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be in 1.." + Integer.MAX_VALUE + ", was " + maxLength);
        }
        this.maxLength = maxLength;
        this.eol = Objects.requireNonNull(eol, "eol");
    }

    @Override
    public BevFilterResult filter(EvBuffer src, EvBuffer dst, long dstLimit, BevFlush mode) {
        long budget = dstLimit;
        while (src.length() > 0 && budget > 0) {
            int n = src.copyOut(scratch, 0, (int) Math.min(scratch.length, Math.min(src.length(), budget)));
            int fine = scan(n);
            src.removeBuffer(dst, fine);
            budget -= fine;
            if (fine < n) {
                return BevFilterResult.ERROR;
            }
        }
        return BevFilterResult.OK;
    }

    /** Follows the lines through {@code scratch[0, n)}; returns where the first too long line passes the limit, or n. */
    private int scan(int n) {
        for (int i = 0; i < n; i++) {
            byte b = scratch[i];
            if (endsLine(b)) {
                length = 0;
                crs = 0;
            } else if (b == CR && crlfStyle()) {
                crs++;
                if (length + crs - 1 > maxLength) {
                    return i; // at most one of these CRs can belong to the line end
                }
            } else {
                length += crs + 1;
                crs = 0;
                if (length > maxLength) {
                    return i;
                }
            }
        }
        return n;
    }

    private boolean crlfStyle() {
        return eol == EolStyle.CRLF || eol == EolStyle.CRLF_STRICT;
    }

    /** Whether {@code b} ends the current line (for CRLF_STRICT, an LF only after a CR). */
    private boolean endsLine(byte b) {
        switch (eol) {
            case ANY:
                return b == CR || b == LF;
            case CRLF:
            case LF:
                return b == LF;
            case CRLF_STRICT:
                return b == LF && crs > 0;
            default: // NUL
                return b == 0;
        }
    }

    @Override
    public String toString() {
        return "LineLengthFilter(maxLength=" + maxLength + ", eol=" + eol + ")";
    }
}
