package io.github.bufferevent;

/**
 * libevent's {@code bufferevent_filter_cb}: turns bytes of {@code src} into bytes of {@code dst}
 * for a filter bufferevent ({@link BufferEvent#filter}). The input filter reads the underlying
 * bufferevent's input and fills the filter's input; the output filter reads the filter's output
 * and fills the underlying's output.
 *
 * <p>A filter takes the bytes it has dealt with off {@code src} (bytes it leaves there are offered
 * again with the next call) and adds what it produces to {@code dst}. It is called again while it
 * makes progress, {@code src} holds bytes and {@code dst} has room; a call that moves nothing ends
 * the round, as does {@link BevFilterResult#NEED_MORE} (wait for more input) or
 * {@link BevFilterResult#ERROR}. A {@link RuntimeException} thrown by the filter counts as
 * {@code ERROR}, with the exception as the cause in {@link BufferEvent#socketError()}.
 *
 * <p>{@code mode} is passed through from {@link BufferEvent#flush}: {@link BevFlush#NORMAL} for
 * data as it comes, {@link BevFlush#FLUSH} to push out whatever the filter holds back,
 * {@link BevFlush#FINISHED} when no more input will come: write a trailer (output side, before the
 * underlying shuts its write side down) or check that the stream is complete (input side, at the
 * underlying's EOF; libevent never makes this call).
 *
 * <p>A filter holding resources may implement {@link AutoCloseable}: freeing the filter
 * bufferevent closes it (libevent's {@code free_context}).
 *
 * <p>Threads: called on the loop thread, holding the filter bufferevent's lock; it must not block.
 * A stateful filter serves one bufferevent and one direction.
 */
@FunctionalInterface
public interface BevFilter {

    /**
     * Filters {@code src} into {@code dst}.
     *
     * @param src the bytes to filter; take off what was dealt with
     * @param dst where the filtered bytes go
     * @param dstLimit how many bytes {@code dst} should take at most in this call: the room below
     *     its bufferevent's high watermark (the filter's read high watermark on the input side,
     *     the underlying's write high watermark on the output side) in {@code NORMAL} mode, else
     *     {@link Long#MAX_VALUE} (no limit; libevent passes -1). Always at least 1
     * @param mode NORMAL, FLUSH or FINISHED
     * @return OK, NEED_MORE or ERROR
     */
    BevFilterResult filter(EvBuffer src, EvBuffer dst, long dstLimit, BevFlush mode);
}
