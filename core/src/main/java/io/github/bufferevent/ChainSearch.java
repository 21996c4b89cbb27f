package io.github.bufferevent;

/**
 * Finds things in a chunk chain in place, without copying it: a byte pattern
 * ({@code evbuffer_search}) and the end of the first line ({@code evbuffer_search_eol}), both
 * across chunk borders. Stateless; threads: as the buffer it reads.
 */
final class ChainSearch {

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private ChainSearch() {
    }

    /**
     * The first position {@code >= start} where the non-empty {@code what} occurs in the
     * {@code length} bytes from {@code head}, or -1.
     */
    static long search(Chunk head, long length, byte[] what, long start) {
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
     * The length of the first line ending as {@code style} says (libevent's rules, see
     * {@link EvBuffer#readLineBytes}), or -1 if there is no complete line; the end of line itself
     * starts at that position and is {@link #eolLength} bytes long.
     */
    static long findEol(Chunk head, EolStyle style) {
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
                        case LF:
                        case NUL:
                            return pos;
                        case CRLF:
                            return prev == CR ? pos - 1 : pos;
                        default: // CRLF_STRICT
                            if (prev == CR) {
                                return pos - 1;
                            }
                            break;
                    }
                }
                prev = b;
            }
        }
        return -1;
    }

    /**
     * How long the end of line is that {@link #findEol} found at {@code at}: the whole run of CR
     * and LF bytes for {@link EolStyle#ANY}, 2 for CR LF, otherwise 1.
     */
    static int eolLength(Chunk head, long at, EolStyle style) {
        Chunk c = head;
        while (at >= c.length()) {
            at -= c.length();
            c = c.next;
        }
        int i = c.off + (int) at;
        switch (style) {
            case ANY:
                return crlfRun(c, i);
            case CRLF:
                return c.data[i] == CR ? 2 : 1;
            case CRLF_STRICT:
                return 2;
            default: // LF, NUL
                return 1;
        }
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
}
