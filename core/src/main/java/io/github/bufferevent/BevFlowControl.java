package io.github.bufferevent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Which directions of a bufferevent may move and how much: what the user enabled
 * ({@code bufferevent_enable}), why a direction is suspended ({@link BevSuspend} reasons, kept
 * apart from what is enabled) and the watermarks. {@link #enabled()} from any thread, enable and
 * disable from any thread (atomic); the rest on the loop thread with the lock held.
 */
final class BevFlowControl {

    private static final VarHandle ENABLED;

    static {
        try {
            ENABLED = MethodHandles.lookup().findVarHandle(BevFlowControl.class, "enabled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A new bufferevent has writing enabled and reading disabled, as in libevent. */
    private volatile int enabled = Ev.WRITE;
    private int readSuspended;
    private int writeSuspended;
    private long readLow;
    private long readHigh;
    private long writeLow;
    /** Only a filter above reads it: how much it may queue in this output ({@code wm_write.high}). */
    private long writeHigh;

    int enabled() {
        return enabled;
    }

    void enable(int what) {
        ENABLED.getAndBitwiseOr(this, what);
    }

    void disable(int what) {
        ENABLED.getAndBitwiseAnd(this, ~what);
    }

    /** Reading is enabled and not suspended. */
    boolean readActive() {
        return (enabled & Ev.READ) != 0 && readSuspended == 0;
    }

    /** Writing is enabled and not suspended. */
    boolean writeActive() {
        return (enabled & Ev.WRITE) != 0 && writeSuspended == 0;
    }

    boolean writeEnabled() {
        return (enabled & Ev.WRITE) != 0;
    }

    void suspendRead(int reason) {
        readSuspended |= reason;
    }

    void unsuspendRead(int reason) {
        readSuspended &= ~reason;
    }

    boolean readSuspended(int reason) {
        return (readSuspended & reason) != 0;
    }

    void suspendWrite(int reason) {
        writeSuspended |= reason;
    }

    void unsuspendWrite(int reason) {
        writeSuspended &= ~reason;
    }

    boolean writeSuspended(int reason) {
        return (writeSuspended & reason) != 0;
    }

    /** New read watermarks; suspended by the watermark exactly when the input is at or over high. */
    void readWatermark(long low, long high, long inputLength) {
        readLow = low;
        readHigh = high;
        if (overHigh(inputLength)) {
            suspendRead(BevSuspend.WATERMARK);
        } else {
            unsuspendRead(BevSuspend.WATERMARK);
        }
    }

    void writeWatermark(long low, long high) {
        writeLow = low;
        writeHigh = high;
    }

    long readHigh() {
        return readHigh;
    }

    long writeHigh() {
        return writeHigh;
    }

    /** Whether the input is at or over a set read high watermark. */
    boolean overHigh(long inputLength) {
        return readHigh > 0 && inputLength >= readHigh;
    }

    /** The most bytes one read may add: the max single read within the read high watermark (0 or less: none). */
    long readRoom(int maxSingleRead, long inputLength) {
        return readHigh > 0 ? Math.min(maxSingleRead, readHigh - inputLength) : maxSingleRead;
    }

    /** The destination limit a filter gets for this input ({@code dst_limit}): room below high, or -1 for none. */
    long inputLimit(long inputLength) {
        return readHigh > 0 ? Math.max(0, readHigh - inputLength) : -1;
    }

    /** Input reached the read low watermark: the read callback is due. */
    boolean readReady(long inputLength) {
        return inputLength >= readLow;
    }

    /** Output drained to the write low watermark: the write callback is due. */
    boolean writeReady(long outputLength) {
        return outputLength <= writeLow;
    }
}
