package io.github.bufferevent;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The write side of a bufferevent: {@code bufferevent_write} and {@code bufferevent_flush}, the
 * bytes other threads hand over on the way to the output ({@link WriteHandoff}, THREADSAFE only,
 * so a writer never waits for the lock the loop holds while it runs user code), whether writes
 * are still taken, and the FINISHED flush that drains the output and then ends the write side.
 * The write and flush calls, {@link #close()} and {@link #handedOverBytes()} from any thread the
 * bufferevent allows; the rest on the loop thread with the bufferevent's lock held.
 */
final class BevWriteSide {

    private final BufferEvent bev;

    /** Null without THREADSAFE. */
    private final WriteHandoff handoff;
    /** No more writes: a FINISHED flush was asked for, or the bufferevent was freed. */
    private volatile boolean closed;
    /** A FINISHED flush asked for by another thread, for the loop to start. */
    private volatile boolean finishRequested;
    /** A FINISHED flush drains the output; then the write side ends. */
    private boolean finishing;
    private boolean shut;

    BevWriteSide(BufferEvent bev, boolean threadSafe) {
        this.bev = bev;
        this.handoff = threadSafe ? new WriteHandoff() : null;
    }

    /** {@code bufferevent_write} of {@code len} bytes of {@code data} from {@code off}. */
    void write(byte[] data, int off, int len) {
        Objects.requireNonNull(data, "data");
        Objects.checkFromIndexSize(off, len, data.length);
        if (bev.threads.foreign("write")) {
            handOver(handoff.offer(Arrays.copyOfRange(data, off, off + len)));
            return;
        }
        bev.lock();
        try {
            checkWritable();
            bev.output().add(data, off, len);
        } finally {
            bev.unlock();
        }
    }

    /** {@code bufferevent_write} of the remaining bytes of {@code src} (its position advances). */
    void write(ByteBuffer src) {
        Objects.requireNonNull(src, "src");
        if (bev.threads.foreign("write")) {
            byte[] copy = new byte[src.remaining()];
            src.duplicate().get(copy);
            handOver(handoff.offer(copy));
            src.position(src.limit());
            return;
        }
        bev.lock();
        try {
            checkWritable();
            bev.output().add(src);
        } finally {
            bev.unlock();
        }
    }

    /** {@code bufferevent_write_buffer}: moves all of {@code src} to the output. */
    void writeBuffer(EvBuffer src) {
        Objects.requireNonNull(src, "src");
        if (bev.threads.foreign("writeBuffer")) {
            EvBuffer moved = new EvBuffer();
            moved.addBuffer(src);
            boolean accepted = handoff.offer(moved);
            if (!accepted) {
                src.addBuffer(moved); // refused: the caller keeps its bytes
            }
            handOver(accepted);
            return;
        }
        bev.lock();
        try {
            checkWritable();
            bev.output().addBuffer(src);
        } finally {
            bev.unlock();
        }
    }

    /** {@code bufferevent_flush} of the write side; see {@link BufferEvent#flush}. */
    int flush(BevFlush mode) {
        if (bev.threads.foreign("flush")) {
            bev.checkNotFreed();
            int result = bev.bufferedOutput() > 0 ? 1 : 0;
            if (mode == BevFlush.FINISHED) {
                close();
                finishRequested = true;
            }
            handOver(true);
            if (mode == BevFlush.FLUSH) {
                bev.threads.runLocked("flush", () -> bev.backend.flushWrite(BevFlush.FLUSH)); // a filter's FLUSH (deflate's sync flush)
            }
            return result;
        }
        bev.lock();
        try {
            bev.checkNotFreed();
            drain();
            int result = bev.output().length() > 0 ? 1 : 0;
            if (mode == BevFlush.FINISHED) {
                close();
                startFinishing();
            }
            bev.backend.flushWrite(mode);
            return result;
        } finally {
            bev.unlock();
        }
    }

    /** Loop thread (or idle), lock held: writes go straight to the output, after what other threads handed over. */
    private void checkWritable() {
        if (bev.isFreed() || !open()) {
            throw closedForWrites();
        }
        drain();
    }

    private IllegalStateException closedForWrites() {
        if (bev.isFreed()) {
            return new IllegalStateException("this bufferevent has been freed");
        }
        return new IllegalStateException("the write side was shut down by flush(Ev.WRITE, BevFlush.FINISHED) or a graceful "
                + "shutdown; nothing more can be written");
    }

    /** Another thread's write was offered to the hand-off: refused (throw), or get the loop to take it. */
    private void handOver(boolean accepted) {
        if (!accepted) {
            throw closedForWrites();
        }
        if (!bev.threads.queueSync()) {
            throw new IllegalStateException("the EventBase is closed; nothing more is sent");
        }
    }

    /** Loop thread, lock held: moves what other threads wrote to the output, in order (dropped once released). */
    void drain() {
        if (handoff == null || handoff.isEmpty()) {
            return;
        }
        if (bev.life.isReleased()) {
            handoff.discard();
        } else {
            handoff.drainTo(bev.output());
        }
    }

    /** Loop thread, lock held: what other threads handed over, and a FINISHED flush one of them asked for. */
    void takeHandedOver() {
        drain();
        if (finishRequested) {
            finishRequested = false;
            startFinishing();
        }
    }

    /** Loop thread: a graceful shutdown began; drain the output and shut the write side down. */
    void startShutdownFlush() {
        if (bev.life.isReleased() || shut || bev.stackedUnder()) {
            return; // the bufferevent on top (a filter, TLS) finishes this one after its trailer or close_notify
        }
        drain();
        boolean requested = finishRequested;
        finishRequested = false;
        if (requested || bev.output().length() > 0 || finishing || bev.backend.finishesOnShutdown()) {
            close();
            startFinishing();
            bev.refresh();
        }
    }

    /** Any thread: bytes handed over and not yet in the output. */
    long handedOverBytes() {
        return handoff == null ? 0 : handoff.bytes();
    }

    /** Whether a write may still be taken. */
    boolean open() {
        return !closed && !shut;
    }

    /** Any thread: refuse writes from now on. */
    void close() {
        closed = true;
        if (handoff != null) {
            handoff.close();
        }
    }

    /** Freed: refuse writes and drop what was handed over. */
    void discard() {
        close();
        if (handoff != null) {
            handoff.discard();
        }
    }

    /** No writer is between the hand-off's gate and its queue, so a FINISHED flush may end. */
    boolean settled() {
        return handoff == null || handoff.settled();
    }

    /** Loop thread, lock held: drain the output, then shut the write side down (writing is enabled for it). */
    private void startFinishing() {
        if (!shut) {
            finishing = true;
            bev.flow.enable(Ev.WRITE);
        }
    }

    /** An error or timeout ended the flush early. */
    void stopFinishing() {
        finishing = false;
    }

    boolean finishing() {
        return finishing;
    }

    /** A FINISHED flush is under way or asked for. */
    boolean finishPending() {
        return finishing || finishRequested;
    }

    boolean shut() {
        return shut;
    }

    /** The FINISHED flush drained everything: the write side is shut. */
    void finished() {
        finishing = false;
        shut = true;
    }
}
