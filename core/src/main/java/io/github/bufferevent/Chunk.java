package io.github.bufferevent;

import java.nio.ByteBuffer;

/**
 * One link of an {@link EvBuffer}'s chain: the bytes {@code data[off, end)} are buffered, the
 * space {@code data[end, data.length)} is free. Threads: as its buffer (confined to one thread at
 * a time); between buffers it travels only through {@link ChunkPool}.
 */
final class Chunk {
    final byte[] data;
    /** Wrapper of {@link #data} made once, reused to hand buffered bytes to a channel. */
    final ByteBuffer view;
    /**
     * A second wrapper made once, reused to hand out free space by {@link EvBuffer#reserve}; apart
     * from {@link #view} so that writing the buffered bytes out cannot move a reserved view.
     */
    private final ByteBuffer space;
    int off;
    int end;
    Chunk next;

    Chunk(byte[] data) {
        this.data = data;
        this.view = ByteBuffer.wrap(data);
        this.space = ByteBuffer.wrap(data);
    }

    int length() {
        return end - off;
    }

    /** How many bytes fit after {@link #end}. */
    int room() {
        return data.length - end;
    }

    /** This chunk's reusable wrapper, positioned at {@link #end} with its limit at the capacity. */
    ByteBuffer freeSpace() {
        space.limit(data.length).position(end);
        return space;
    }
}
