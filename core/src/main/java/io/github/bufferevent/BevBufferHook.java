package io.github.bufferevent;

/**
 * Watches a bufferevent's two buffers: publishes their lengths for readers on other threads,
 * tells the backend when output was added, and suspends or resumes reading at the read high
 * watermark. Runs on whichever thread changes a buffer, holding the bufferevent's lock.
 */
final class BevBufferHook implements EvBuffer.ChangeHook {

    private final BufferEvent bev;
    private volatile long publishedInput;
    private volatile long publishedOutput;

    BevBufferHook(BufferEvent bev) {
        this.bev = bev;
    }

    /** Bytes in the input (a snapshot). Any thread. */
    long input() {
        return publishedInput;
    }

    /** Bytes in the output (a snapshot). Any thread. */
    long output() {
        return publishedOutput;
    }

    /** Released: nothing is buffered any more. */
    void clear() {
        publishedInput = 0;
        publishedOutput = 0;
    }

    @Override
    public void onChange(EvBuffer buffer, long originalSize, long added, long deleted) {
        if (buffer == bev.output()) {
            publishedOutput = buffer.length();
            if (added > 0 && !bev.life.isReleased()) {
                bev.backend.outputAdded();
            }
            return;
        }
        long len = buffer.length();
        publishedInput = len;
        boolean over = bev.flow.overHigh(len);
        boolean suspended = bev.flow.readSuspended(BevSuspend.WATERMARK);
        if (added > 0 && over && !suspended) {
            bev.io.suspendRead(BevSuspend.WATERMARK);
        } else if (deleted > 0 && !over && suspended) {
            bev.io.unsuspendRead(BevSuspend.WATERMARK);
        }
    }
}
