package io.github.bufferevent;

import java.io.ByteArrayOutputStream;
import java.time.Duration;

/**
 * A consumer that takes what a bufferevent has read from a timer, not from its read callback, so
 * the input fills up to the read high watermark between two drains. Loop thread.
 */
final class SlowReader {

    private final ByteArrayOutputStream got = new ByteArrayOutputStream();
    private int drains;

    private SlowReader() {
    }

    /** Drains {@code bev} every {@code period} until it is freed. */
    static SlowReader every(Duration period, BufferEvent bev) {
        SlowReader reader = new SlowReader();
        Runnable[] drainer = new Runnable[1];
        drainer[0] = () -> {
            if (bev.isFreed()) {
                return;
            }
            if (bev.input().length() > 0) {
                reader.drains++;
                reader.take(bev);
            }
            bev.base().once(period, drainer[0]);
        };
        bev.base().once(period, drainer[0]);
        return reader;
    }

    /** Takes all of {@code b}'s input now (as at its EOF). */
    void take(BufferEvent b) {
        got.writeBytes(drain(b));
    }

    /** An event callback: at EOF, takes the rest and frees the bufferevent. */
    void takeRestAtEof(BufferEvent b, int events) {
        if ((events & BevEvent.EOF) != 0) {
            take(b);
            b.free();
        }
    }

    /** How many timer drains found bytes. */
    int drains() {
        return drains;
    }

    byte[] bytes() {
        return got.toByteArray();
    }

    /** Removes and returns all of {@code b}'s input. */
    static byte[] drain(BufferEvent b) {
        byte[] all = new byte[(int) b.input().length()];
        b.input().remove(all);
        return all;
    }
}
