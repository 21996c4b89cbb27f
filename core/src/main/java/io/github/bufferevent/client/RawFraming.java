package io.github.bufferevent.client;

import io.github.bufferevent.EvBuffer;
import java.util.Objects;

/** {@link Framing#raw()}: whatever has arrived is a frame. Stateless. */
final class RawFraming implements Framing {

    static final RawFraming INSTANCE = new RawFraming();

    private RawFraming() {
    }

    @Override
    public void encode(byte[] frame, EvBuffer out) {
        out.add(Objects.requireNonNull(frame, "frame"));
    }

    @Override
    public byte[] decode(EvBuffer in) {
        long n = in.length();
        if (n == 0) {
            return null;
        }
        byte[] frame = new byte[(int) Math.min(n, LineFraming.MAX)];
        in.remove(frame);
        return frame;
    }

    @Override
    public String toString() {
        return "Framing.raw()";
    }
}
