package io.github.bufferevent;

import java.io.IOException;

/**
 * What a backend reports as bytes move and I/O ends, turned into the generic behaviour every kind
 * shares: how much may move now (watermarks, max single read, rate limits), the byte counters and
 * rate-limit accounting, the timers, the read and write callbacks at their watermarks, and
 * {@code EOF}, {@code ERROR} and {@code TIMEOUT} with the direction disabled first. Loop thread,
 * the bufferevent's lock held (the getters: any thread).
 */
final class BevIoEvents {

    private final BufferEvent bev;
    private volatile long totalRead;
    private volatile long totalWritten;
    private volatile Throwable socketError;

    BevIoEvents(BufferEvent bev) {
        this.bev = bev;
    }

    long totalRead() {
        return totalRead;
    }

    long totalWritten() {
        return totalWritten;
    }

    Throwable socketError() {
        return socketError;
    }

    void setSocketError(Throwable cause) {
        socketError = cause;
    }

    void suspendRead(int reason) {
        bev.flow.suspendRead(reason);
        bev.update();
    }

    void unsuspendRead(int reason) {
        bev.flow.unsuspendRead(reason);
        bev.update();
    }

    void suspendWrite(int reason) {
        bev.flow.suspendWrite(reason);
        bev.update();
    }

    void unsuspendWrite(int reason) {
        bev.flow.unsuspendWrite(reason);
        bev.update();
    }

    /**
     * How many bytes the backend may read now: the max single read within the read high watermark
     * and the rate limits; 0 suspends reading (for the watermark or for bandwidth).
     */
    long readAllowance() {
        long room = bev.flow.readRoom(bev.maxSingleRead(), bev.input().length());
        if (room <= 0) {
            suspendRead(BevSuspend.WATERMARK);
            return 0;
        }
        BevRateLimit limits = bev.rateLimit;
        return limits == null ? room : limits.allowance(false, room);
    }

    /** How many bytes the backend may write now under the rate limits (Long.MAX_VALUE: no limit); 0 suspends writing. */
    long writeAllowance() {
        BevRateLimit limits = bev.rateLimit;
        return limits == null ? Long.MAX_VALUE : limits.allowance(true, Long.MAX_VALUE);
    }

    /**
     * Whether, with {@code pending} bytes of output left after a write, the write callback is due
     * and would run at once (not deferred): the socket backend then lets it refill before writing on.
     */
    boolean writeRefillDue(long pending) {
        return bev.flow.writeReady(pending) && bev.callbacks.runsWriteAtOnce();
    }

    /** The backend added {@code n} bytes to the input. */
    void readDone(long n) {
        totalRead += n;
        BevRateLimit limits = bev.rateLimit;
        if (limits != null) {
            limits.used(false, n);
        }
        bev.instrumentation.bytesRead(bev, n);
        bev.timeouts.readProgress();
        if (bev.flow.readReady(bev.input().length())) {
            bev.callbacks.read();
        }
    }

    /** The backend moved {@code n} bytes of the output on (0: none). */
    void wrote(long n) {
        if (n > 0) {
            totalWritten += n;
            BevRateLimit limits = bev.rateLimit;
            if (limits != null) {
                limits.used(true, n);
            }
            bev.instrumentation.bytesWritten(bev, n);
            bev.timeouts.writeProgress();
        }
    }

    /** The backend moved output on: the write callback runs if the output is at the write low watermark. */
    void writeDone() {
        if (bev.flow.writeReady(bev.output().length())) {
            bev.callbacks.write();
        }
    }

    /** The peer ended its side: {@code EOF|READING}, reading disabled. */
    void eof() {
        bev.flow.disable(Ev.READ);
        bev.refresh();
        bev.instrumentation.eof(bev);
        bev.callbacks.event(BevEvent.EOF | BevEvent.READING);
    }

    /** I/O failed: the direction is disabled, then {@code ERROR|READING} or {@code ERROR|WRITING}. */
    void ioFailed(int direction, IOException e) {
        ioFailed(direction, e, direction == BevEvent.READING ? Instrumentation.ErrorKind.READ : Instrumentation.ErrorKind.WRITE);
    }

    /** As {@link #ioFailed(int, IOException)}, reported to the instrumentation as {@code kind} (TLS). */
    void ioFailed(int direction, IOException e, Instrumentation.ErrorKind kind) {
        socketError = e;
        bev.writes.stopFinishing();
        bev.flow.disable(direction == BevEvent.READING ? Ev.READ : Ev.WRITE);
        bev.refresh();
        bev.instrumentation.error(bev, kind, e);
        bev.callbacks.event(BevEvent.ERROR | direction);
    }

    /** A timer fired (loop thread, lock not held): the direction is disabled, then {@code TIMEOUT|...}. */
    void timedOut(int direction) {
        bev.lock();
        try {
            if (bev.life.isReleased()) {
                return;
            }
            if (direction == BevEvent.READING) {
                bev.flow.disable(Ev.READ);
            } else {
                bev.flow.disable(Ev.WRITE);
                bev.writes.stopFinishing();
                if (bev.life.state() == BevLifecycle.CONNECTING) {
                    bev.backend.connectTimedOut();
                }
            }
            bev.refresh();
            bev.instrumentation.timeout(bev, direction);
            bev.callbacks.event(BevEvent.TIMEOUT | direction);
        } finally {
            bev.unlock();
        }
    }

    /** The generic timers (libevent's generic adj_timeouts). */
    void adjustTimers() {
        int s = bev.life.state();
        // Not while suspended (libevent cancels the write event and its timeout then): a rate-limited
        // writer waiting for a refill is not stuck.
        bev.timeouts.adjust(s == BevLifecycle.CONNECTED && bev.flow.readActive(), s == BevLifecycle.CONNECTING,
                s == BevLifecycle.CONNECTED && bev.flow.writeActive() && bev.output().length() > 0 && !bev.writes.shut());
    }
}
