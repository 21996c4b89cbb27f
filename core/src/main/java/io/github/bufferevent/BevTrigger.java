package io.github.bufferevent;

/**
 * libevent's {@code BEV_TRIG_*} options for {@link BufferEvent#trigger(int, int)} and
 * {@link BufferEvent#triggerEvent(int, int)}. Plain constants; any thread may read them.
 */
public final class BevTrigger {

    /** {@code BEV_TRIG_IGNORE_WATERMARKS}: run the callback whatever the watermarks say. */
    public static final int IGNORE_WATERMARKS = 0x10000;

    /** {@code BEV_TRIG_DEFER_CALLBACKS}: queue the callback to run from the loop. */
    public static final int DEFER_CALLBACKS = 0x04;

    private BevTrigger() {
    }
}
