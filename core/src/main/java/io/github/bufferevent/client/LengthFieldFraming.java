package io.github.bufferevent.client;

import io.github.bufferevent.EvBuffer;

/** {@link Framing#lengthField}: an unsigned big-endian length of the payload, then the payload. Immutable. */
final class LengthFieldFraming implements Framing, FrameCheck {

    private final int fieldBytes;
    private final int maxLength;
    /** Loop-thread scratch for the header; the client calls a framing on its loop thread only. */
    private final ThreadLocal<byte[]> header;

    LengthFieldFraming(int fieldBytes, int maxLength) {
        if (fieldBytes != 1 && fieldBytes != 2 && fieldBytes != 4) {
            throw new IllegalArgumentException("fieldBytes must be 1, 2 or 4, was " + fieldBytes);
        }
        this.fieldBytes = fieldBytes;
        int limit = fieldBytes == 1 ? 0xff : fieldBytes == 2 ? 0xffff : LineFraming.MAX;
        this.maxLength = LineFraming.checkMax("maxLength", maxLength, limit);
        this.header = ThreadLocal.withInitial(() -> new byte[fieldBytes]);
    }

    @Override
    public void check(byte[] frame) {
        FrameCheck.checkLength(frame, maxLength);
    }

    @Override
    public void encode(byte[] frame, EvBuffer out) {
        check(frame);
        byte[] h = header.get();
        for (int i = 0; i < fieldBytes; i++) {
            h[i] = (byte) (frame.length >>> (8 * (fieldBytes - 1 - i)));
        }
        out.add(h);
        out.add(frame);
    }

    @Override
    public byte[] decode(EvBuffer in) {
        if (in.length() < fieldBytes) {
            return null;
        }
        byte[] h = header.get();
        in.copyOut(h);
        long length = 0;
        for (int i = 0; i < fieldBytes; i++) {
            length = (length << 8) | (h[i] & 0xff);
        }
        if (length > maxLength) {
            throw FrameTooLongException.reply(length, maxLength);
        }
        if (in.length() < fieldBytes + length) {
            return null;
        }
        in.drain(fieldBytes);
        byte[] frame = new byte[(int) length];
        in.remove(frame);
        return frame;
    }

    @Override
    public String toString() {
        return "Framing.lengthField(" + fieldBytes + ", " + maxLength + ")";
    }
}
