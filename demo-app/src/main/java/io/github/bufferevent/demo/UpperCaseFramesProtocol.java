package io.github.bufferevent.demo;

import io.github.bufferevent.EvBuffer;

/**
 * The {@code frames} peer's protocol: length-prefixed frames, a 2-byte unsigned big-endian header
 * counting the payload, then the payload. Each frame comes back with its ASCII letters upper-cased
 * (other bytes, UTF-8 sequences included, unchanged; the length stays the same), so a reply shows
 * the server really cut the stream into frames: a frame split over several reads, or several
 * frames in one read, each come back whole and once. Any header is valid (0..65535 bytes follow).
 * Stateless.
 *
 * <p>Threads: the server's loop thread (see {@link ServerProtocol}).
 */
final class UpperCaseFramesProtocol implements ServerProtocol {

    /** Bytes of the length header, as the {@code frames} client's {@code framing.length-field-bytes}. */
    static final int HEADER_BYTES = 2;

    @Override
    public boolean answer(EvBuffer in, EvBuffer out) {
        byte[] header = new byte[HEADER_BYTES];
        while (in.length() >= HEADER_BYTES) {
            in.copyOut(header);
            int length = ((header[0] & 0xff) << 8) | (header[1] & 0xff);
            if (in.length() < HEADER_BYTES + length) {
                return true; // the rest of this frame has not arrived yet
            }
            in.drain(HEADER_BYTES);
            byte[] payload = new byte[length];
            in.remove(payload);
            out.add(header);
            out.add(upperCase(payload));
        }
        return true;
    }

    private static byte[] upperCase(byte[] payload) {
        for (int i = 0; i < payload.length; i++) {
            byte b = payload[i];
            if (b >= 'a' && b <= 'z') {
                payload[i] = (byte) (b - ('a' - 'A'));
            }
        }
        return payload;
    }
}
