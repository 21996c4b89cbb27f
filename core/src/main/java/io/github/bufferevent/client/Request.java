package io.github.bufferevent.client;

/**
 * One call on its way to the wire: raw bytes ({@code write}), a frame without a reply
 * ({@code send}) or a frame whose reply completes {@link #reply} ({@code exchange}).
 *
 * <p>Threads: made on the caller's thread, then confined to the loop thread.
 */
final class Request {

    static final int WRITE = 0;
    static final int SEND = 1;
    static final int EXCHANGE = 2;

    final int kind;
    final byte[] data;
    /** Exchange: completed with the reply. Send: completed once the frame is in a connection's output. */
    final LoopSafeFuture<byte[]> reply;
    /** Exchange: when its reply is due ({@code EventBase.nanoTime()}), or 0 for none. */
    final long deadline;
    final long startNanos;
    /** The reply timed out while the request was on the wire: its reply, when it comes, is dropped. */
    boolean expired;
    /** What the exchange listener returned when the exchange started. */
    Object context;

    Request(int kind, byte[] data, LoopSafeFuture<byte[]> reply, long startNanos, long deadline) {
        this.kind = kind;
        this.data = data;
        this.reply = reply;
        this.startNanos = startNanos;
        this.deadline = deadline;
    }

    boolean isExchange() {
        return kind == EXCHANGE;
    }
}
