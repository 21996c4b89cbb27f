package io.github.bufferevent;

import java.nio.ByteBuffer;

/**
 * One contiguous scratch buffer that the TLS bufferevents of a base share for ciphertext: what
 * {@code SSLEngine.unwrap} reads (it wants whole records in one writable buffer, and decrypts in
 * place) or the record {@code SSLEngine.wrap} writes before it is appended to the transport's
 * output. Held only for one step of one bufferevent, so one buffer serves every connection of the
 * base, and an idle connection holds none. A nested take (user code in an {@link EvBuffer}
 * callback making another TLS bufferevent move) gets a fresh buffer instead. Grows to the largest
 * size asked for. Loop thread only.
 */
final class SslScratch {

    private ByteBuffer buffer;
    private boolean taken;

    /** A cleared heap buffer of at least {@code capacity} bytes; give it back with {@link #give}. */
    ByteBuffer take(int capacity) {
        if (taken) {
            return ByteBuffer.allocate(capacity);
        }
        taken = true;
        if (buffer == null || buffer.capacity() < capacity) {
            buffer = ByteBuffer.allocate(capacity);
        }
        buffer.clear();
        return buffer;
    }

    /** Gives back what {@link #take} returned (a nested one is simply dropped). */
    void give(ByteBuffer b) {
        if (b == buffer) {
            taken = false;
        }
    }
}
