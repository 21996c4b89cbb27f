package io.github.bufferevent;

/**
 * The instrumentation hook: what an {@link EventBase} and its bufferevents report as they work.
 * The Spring starter implements it with Micrometer; the default {@link #NOOP} costs nothing.
 *
 * <p>Threads: every method is called on the loop thread of the base involved, except
 * {@link #created} and {@link #freed}, which run on the thread that created or freed the
 * bufferevent. Implementations must be fast and must not block; an exception they throw is
 * caught and logged by the caller.
 */
public interface Instrumentation {

    /** An implementation that records nothing. */
    Instrumentation NOOP = new Instrumentation() {
    };

    /** How a connect attempt ended. */
    enum ConnectOutcome {
        /** The connection was established ({@link BevEvent#CONNECTED}). */
        SUCCESS,
        /** The peer refused the connection. */
        REFUSED,
        /** The connect timeout (the write timeout while connecting) expired. */
        TIMEOUT,
        /** The host name could not be resolved. */
        UNRESOLVED,
        /** Any other failure. */
        ERROR
    }

    /** The kind of an error reported to {@link #error}. */
    enum ErrorKind {
        /** A connect attempt failed (refused, unreachable, ...). */
        CONNECT,
        /** Reading from the socket failed. */
        READ,
        /** Writing to the socket failed. */
        WRITE,
        /** Resolving a host name failed. */
        DNS,
        /** A user callback threw. */
        CALLBACK,
        /**
         * TLS failed: a handshake (untrusted certificate, host name mismatch, an alert from the
         * peer), a bad record, or a close without close_notify; the cause is the {@code SSLException}.
         */
        TLS
    }

    /** How a TLS handshake ended ({@link BufferEvent#sslSocket}, {@link BufferEvent#sslFilter}). */
    enum HandshakeOutcome {
        /** Completed: the bufferevent reports {@link BevEvent#CONNECTED}. */
        SUCCESS,
        /** Failed; the cause is the {@code SSLException} (or the I/O error that ended it). */
        FAILURE,
        /** The handshake timeout (the connect timeout, or else the write timeout) expired. */
        TIMEOUT
    }

    /** A bufferevent was created. */
    default void created(BufferEvent bev) {
    }

    /** A bufferevent was freed; nothing more is reported for it. */
    default void freed(BufferEvent bev) {
    }

    /** A connect (or host name resolution followed by a connect) started. */
    default void connectStarted(BufferEvent bev) {
    }

    /** The connect started last succeeded after {@code nanos}. */
    default void connectSucceeded(BufferEvent bev, long nanos) {
    }

    /** The connect started last failed after {@code nanos}; {@code cause} may be null for a timeout. */
    default void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
    }

    /** An error of the given kind; {@code cause} is never null. */
    default void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
    }

    /** A TLS handshake began: the transport is connected (a tracer may open a span here). */
    default void handshakeStarted(BufferEvent bev) {
    }

    /**
     * A TLS handshake ended after {@code nanos} (counted from the transport being connected);
     * {@code cause} is null unless it failed (for a timeout too).
     */
    default void handshakeFinished(BufferEvent bev, HandshakeOutcome outcome, Throwable cause, long nanos) {
    }

    /** The peer closed its side ({@link BevEvent#EOF}). */
    default void eof(BufferEvent bev) {
    }

    /** A timeout expired; {@code what} is {@link BevEvent#READING} or {@link BevEvent#WRITING}. */
    default void timeout(BufferEvent bev, int what) {
    }

    /** {@code n} bytes were read from the socket into the input buffer. */
    default void bytesRead(BufferEvent bev, long n) {
    }

    /** {@code n} bytes of the output buffer were written to the socket. */
    default void bytesWritten(BufferEvent bev, long n) {
    }

    /**
     * A direction was suspended because a rate limit's budget is spent (its own bucket or its
     * group's), until a refill; {@code direction} is {@link BevEvent#READING} or
     * {@link BevEvent#WRITING}. Reported when the direction stops, not again while it stays stopped.
     */
    default void rateLimitSuspended(BufferEvent bev, int direction) {
    }

    /** One loop turn (the work done after the selector woke up) took {@code nanos}. */
    default void loopTurn(EventBase base, long nanos) {
    }
}
