package io.github.bufferevent.client;

import java.util.Objects;

/**
 * A framing that can tell on the caller's thread whether it would encode a frame, so a call with
 * a frame it refuses fails at once instead of waiting in a queue for a connection first. The
 * built-ins implement it; a framing of one's own is checked when it encodes, on the loop.
 *
 * <p>Threads: any.
 */
interface FrameCheck {

    /**
     * Throws what {@code encode} would throw for {@code frame}, without writing anything.
     *
     * @throws IllegalArgumentException if the frame holds its own delimiter
     * @throws FrameTooLongException ({@link FrameTooLongException.Direction#REQUEST}) if it is over the limit
     */
    void check(byte[] frame);

    /** The check every built-in starts with: {@code frame} is there and at most {@code maxLength} bytes. */
    static void checkLength(byte[] frame, int maxLength) {
        Objects.requireNonNull(frame, "frame");
        if (frame.length > maxLength) {
            throw FrameTooLongException.request(frame.length, maxLength);
        }
    }
}
