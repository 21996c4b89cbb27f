package io.github.bufferevent.client;

/**
 * A frame is over its framing's limit: read from the peer (the client closes that connection,
 * since what follows cannot be trusted, and reconnects) or about to be written (nothing was).
 * An exchange waiting for such a reply fails with it.
 *
 * <p>Threads: thrown on the loop thread by {@link Framing#decode}, on the caller's by encode.
 */
public class FrameTooLongException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long length;
    private final long maxLength;

    /** A frame of at least {@code length} bytes, over {@code maxLength}. */
    public FrameTooLongException(long length, long maxLength) {
        super("frame of " + length + (length > maxLength ? "" : "+") + " bytes is over the limit of " + maxLength
                + " bytes (framing max-frame-length)");
        this.length = length;
        this.maxLength = maxLength;
    }

    /** How long the frame is, or at least is (all that had arrived when it was refused). */
    public long length() {
        return length;
    }

    /** The framing's limit. */
    public long maxLength() {
        return maxLength;
    }
}
