package io.github.bufferevent.client;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;

/**
 * Turns frames into bytes and back: what a {@link BufferEventClient} writes for each
 * {@code send}/{@code exchange} and what it reads as each reply. Implement it for a protocol of
 * your own (the tests have one for Redis' RESP); the built-ins cover lines, length-prefixed and
 * delimited frames.
 *
 * <p>Threads: the client calls both methods on its loop thread only, one connection at a time;
 * a framing must keep no state between calls other than what it reads from the buffer, so one
 * instance serves every connection.
 */
public interface Framing {

    /**
     * Appends {@code frame}, framed, to {@code out}. Must check before it writes: a frame it
     * cannot encode throws ({@link IllegalArgumentException}, or {@link FrameTooLongException}
     * going {@link FrameTooLongException.Direction#REQUEST}) with nothing added, since half a frame
     * on the wire would shift every later reply.
     */
    void encode(byte[] frame, EvBuffer out);

    /**
     * Removes the next whole frame from {@code in} and returns it without its framing, or returns
     * null (taking nothing) when no whole frame has arrived yet.
     *
     * @throws FrameTooLongException going {@link FrameTooLongException.Direction#REPLY} if the next
     *     frame is over the limit (the client then closes the connection: what follows cannot be
     *     trusted)
     */
    byte[] decode(EvBuffer in);

    /** Whatever bytes have arrived are one frame; encoding adds nothing. No limit beyond one read. */
    static Framing raw() {
        return RawFraming.INSTANCE;
    }

    /**
     * Text lines: decode as {@link EvBuffer#readLineBytes(EolStyle)} with {@code style}; encode
     * appends CR LF for {@code CRLF}, {@code CRLF_STRICT} and {@code ANY}, LF for {@code LF}, NUL
     * for {@code NUL}, and rejects a frame holding a line end of its own (CR or LF; LF alone for
     * {@code LF}; NUL for {@code NUL}) with {@link IllegalArgumentException}: one request must
     * never become two on the wire.
     *
     * @param maxLength the longest line, without its line end, in 1..{@value LineFraming#MAX}
     */
    static Framing line(EolStyle style, int maxLength) {
        return new LineFraming(style, maxLength);
    }

    /**
     * An unsigned big-endian length header of {@code fieldBytes} (1, 2 or 4) counting the payload
     * only, then the payload.
     *
     * @param maxLength the longest payload: 1..255 for 1 byte, 1..65535 for 2, 1..{@value LineFraming#MAX} for 4
     */
    static Framing lengthField(int fieldBytes, int maxLength) {
        return new LengthFieldFraming(fieldBytes, maxLength);
    }

    /**
     * Frames ended by {@code delimiter} (not included in the decoded frame); encode rejects a
     * frame that contains the delimiter with {@link IllegalArgumentException}.
     *
     * @param maxLength the longest frame, without the delimiter, in 1..{@value LineFraming#MAX}
     */
    static Framing delimiter(byte[] delimiter, int maxLength) {
        return new DelimiterFraming(delimiter, maxLength);
    }
}
