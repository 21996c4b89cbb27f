package io.github.bufferevent;

/**
 * libevent's {@code bufferevent_filter_result}: what a {@link BevFilter} call achieved. Plain
 * constants; any thread may read them.
 */
public enum BevFilterResult {
    /** {@code BEV_OK}: the filter moved what it could; it is called again while there is more to move. */
    OK,
    /** {@code BEV_NEED_MORE}: the filter cannot produce anything before more input arrives. */
    NEED_MORE,
    /**
     * {@code BEV_ERROR}: the stream cannot be filtered; the filter bufferevent reports
     * {@code ERROR|READING} (input filter) or {@code ERROR|WRITING} (output filter) and disables
     * that direction.
     */
    ERROR
}
