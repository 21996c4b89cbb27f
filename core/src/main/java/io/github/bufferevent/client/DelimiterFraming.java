package io.github.bufferevent.client;

import io.github.bufferevent.EvBuffer;
import java.util.Arrays;
import java.util.Objects;

/** {@link Framing#delimiter}: frames ended by a byte sequence. Immutable. */
final class DelimiterFraming implements Framing, FrameCheck {

    private final byte[] delimiter;
    private final int maxLength;

    DelimiterFraming(byte[] delimiter, int maxLength) {
        Objects.requireNonNull(delimiter, "delimiter");
        if (delimiter.length == 0) {
            throw new IllegalArgumentException("delimiter must not be empty");
        }
        this.delimiter = delimiter.clone();
        this.maxLength = LineFraming.checkMax("maxLength", maxLength, LineFraming.MAX);
    }

    @Override
    public void check(byte[] frame) {
        FrameCheck.checkLength(frame, maxLength);
        int at = indexOf(frame, delimiter);
        if (at >= 0) {
            throw new IllegalArgumentException("frame holds the delimiter at byte " + at + ": it would be two frames on the wire, "
                    + "and every later reply would reach the wrong caller");
        }
    }

    @Override
    public void encode(byte[] frame, EvBuffer out) {
        check(frame);
        out.add(frame);
        out.add(delimiter);
    }

    @Override
    public byte[] decode(EvBuffer in) {
        long at = in.search(delimiter, 0);
        if (at < 0) {
            if (in.length() > (long) maxLength + delimiter.length - 1) {
                throw FrameTooLongException.reply(in.length(), maxLength);
            }
            return null;
        }
        if (at > maxLength) {
            throw FrameTooLongException.reply(at, maxLength);
        }
        byte[] frame = new byte[(int) at];
        in.remove(frame);
        in.drain(delimiter.length);
        return frame;
    }

    static int indexOf(byte[] data, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= data.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Framing.delimiter(" + Arrays.toString(delimiter) + ", " + maxLength + ")";
    }
}
