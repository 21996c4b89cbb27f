package io.github.bufferevent.client;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import java.util.Objects;

/** {@link Framing#line}: text lines ended as {@link EolStyle} says. Immutable. */
final class LineFraming implements Framing, FrameCheck {

    /** The largest array a frame can be. */
    static final int MAX = Integer.MAX_VALUE - 8;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LF = {'\n'};
    private static final byte[] NUL = {0};

    private final EolStyle style;
    private final int maxLength;
    private final byte[] eol;

    LineFraming(EolStyle style, int maxLength) {
        this.style = Objects.requireNonNull(style, "style");
        this.maxLength = checkMax("maxLength", maxLength, MAX);
        this.eol = style == EolStyle.LF ? LF : style == EolStyle.NUL ? NUL : CRLF;
    }

    static int checkMax(String name, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(name + " must be in 1.." + max + ", was " + value);
        }
        return value;
    }

    @Override
    public void check(byte[] frame) {
        FrameCheck.checkLength(frame, maxLength);
        for (int i = 0; i < frame.length; i++) {
            byte b = frame[i];
            if (isLineEnd(b)) {
                throw new IllegalArgumentException("frame holds a line end of its own (" + name(b) + " at byte " + i + "): it would be "
                        + "two lines on the wire, and every later reply would reach the wrong caller");
            }
        }
    }

    @Override
    public void encode(byte[] frame, EvBuffer out) {
        check(frame);
        out.add(frame);
        out.add(eol);
    }

    private boolean isLineEnd(byte b) {
        switch (style) {
            case NUL:
                return b == 0;
            case LF:
                return b == '\n';
            default:
                return b == '\n' || b == '\r';
        }
    }

    private static String name(byte b) {
        return b == '\n' ? "LF" : b == '\r' ? "CR" : "NUL";
    }

    @Override
    public byte[] decode(EvBuffer in) {
        byte[] line = style == EolStyle.ANY ? readAnyLine(in) : in.readLineBytes(style);
        if (line == null) {
            // No line end yet: more than the longest line plus its line end cannot become a valid line.
            if (in.length() > (long) maxLength + 2) {
                throw FrameTooLongException.reply(in.length(), maxLength);
            }
            return null;
        }
        if (line.length > maxLength) {
            throw FrameTooLongException.reply(line.length, maxLength);
        }
        return line;
    }

    private static final byte[] CR_BYTE = {'\r'};

    /**
     * One line ended by CR, LF or CR LF: exactly one line end, so each reply is one frame. Not
     * EvBuffer's ANY (a whole run of CR and LF), which would swallow an empty reply ("ok" CR LF
     * CR LF), and which takes a CR at the end of the buffer as a whole line end although its LF
     * may be in the next read: here that CR waits for the next byte.
     */
    private static byte[] readAnyLine(EvBuffer in) {
        long lf = in.search(LF, 0);
        long cr = in.search(CR_BYTE, 0);
        long end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
        if (end < 0) {
            return null;
        }
        int eolLength = 1;
        if (end == cr) {
            if (end + 1 >= in.length()) {
                return null; // CR last: its LF may be on its way
            }
            if (in.search(CRLF, end) == end) {
                eolLength = 2;
            }
        }
        if (end > MAX) {
            throw FrameTooLongException.reply(end, MAX);
        }
        byte[] line = new byte[(int) end];
        in.remove(line);
        in.drain(eolLength);
        return line;
    }

    @Override
    public String toString() {
        return "Framing.line(" + style + ", " + maxLength + ")";
    }
}
