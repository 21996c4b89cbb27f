package io.github.bufferevent.client;

import java.util.Objects;

/**
 * A frame is over its framing's limit, going one of two ways ({@link #direction()}): a
 * {@link Direction#REQUEST request} about to be written (the framing refused to encode it; nothing
 * was written, the connection is fine) or a {@link Direction#REPLY reply} read from the peer (the
 * client closes that connection, since what follows cannot be trusted, and reconnects). An
 * exchange whose request or reply is too long fails with it.
 *
 * <p>Threads: thrown on the loop thread by {@link Framing#decode}, on the caller's (or the loop)
 * by encode; read on any.
 */
public class FrameTooLongException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Which way the frame over the limit was going. */
    public enum Direction {
        /** A request (or a sent frame) being encoded: nothing of it was written. */
        REQUEST,
        /** A reply being decoded: the client closes the connection it came on. */
        REPLY,
        /**
         * Not said: made with {@link FrameTooLongException#FrameTooLongException(long, long)} by a framing of one's own
         * and not (yet) seen by a client, which names the direction of what it catches.
         */
        UNKNOWN
    }

    private final long length;
    private final long maxLength;
    private volatile Direction direction;

    /**
     * A {@code direction} frame of at least {@code length} bytes, over {@code maxLength}: what a
     * framing throws from {@link Framing#encode} ({@link Direction#REQUEST}) or
     * {@link Framing#decode} ({@link Direction#REPLY}).
     */
    public FrameTooLongException(Direction direction, long length, long maxLength) {
        this.direction = Objects.requireNonNull(direction, "direction");
        this.length = length;
        this.maxLength = maxLength;
    }

    /**
     * A frame of at least {@code length} bytes, over {@code maxLength}, going a way not said
     * ({@link Direction#UNKNOWN}); a client that catches it from its framing names the direction.
     * Prefer {@link #FrameTooLongException(Direction, long, long)}.
     */
    public FrameTooLongException(long length, long maxLength) {
        this(Direction.UNKNOWN, length, maxLength);
    }

    /** The request's (encoding), the reply's (decoding), or {@link Direction#UNKNOWN}. */
    public Direction direction() {
        return direction;
    }

    /** Whether the reply was over the limit (its connection is closed), not the request. */
    public boolean isReply() {
        return direction == Direction.REPLY;
    }

    /** How long the frame is, or at least is (all that had arrived when it was refused). */
    public long length() {
        return length;
    }

    /** The framing's limit. */
    public long maxLength() {
        return maxLength;
    }

    /** Names the direction, the length and the limit, e.g. "reply frame of 5000 bytes is over the limit of 1024 bytes …". */
    @Override
    public String getMessage() {
        Direction d = direction;
        String what = d == Direction.REQUEST ? "request frame" : d == Direction.REPLY ? "reply frame" : "frame";
        String outcome = d == Direction.REQUEST ? "; nothing was sent" : "";
        return what + " of " + length + (length > maxLength ? "" : "+") + " bytes is over the limit of " + maxLength
                + " bytes (framing max-frame-length)" + outcome;
    }

    /** A request of {@code length} bytes the framing refuses to encode. */
    static FrameTooLongException request(long length, long maxLength) {
        return new FrameTooLongException(Direction.REQUEST, length, maxLength);
    }

    /** A reply of at least {@code length} bytes the framing refuses to decode. */
    static FrameTooLongException reply(long length, long maxLength) {
        return new FrameTooLongException(Direction.REPLY, length, maxLength);
    }

    /** A client caught this from its framing going {@code d}: says so, unless the framing did. */
    FrameTooLongException goingIfUnknown(Direction d) {
        if (direction == Direction.UNKNOWN) {
            direction = d;
        }
        return this;
    }
}
