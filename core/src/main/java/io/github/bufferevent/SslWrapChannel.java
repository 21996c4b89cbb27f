package io.github.bufferevent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * {@link SSLEngine#wrap} seen as a {@link GatheringByteChannel}, so that
 * {@link EvBuffer#writeTo} hands the engine the plaintext straight from the output's chunks (their
 * own reusable views: no copy, nothing allocated) and drains what it consumed. The record lands in
 * the buffer set with {@link #target}; {@link #result()} says how the last wrap went. Loop thread
 * only, as its bufferevent.
 */
final class SslWrapChannel implements GatheringByteChannel {

    private final SSLEngine engine;
    private ByteBuffer dst;
    private SSLEngineResult result;

    SslWrapChannel(SSLEngine engine) {
        this.engine = engine;
    }

    /** Where the next wrap writes its record; forgets the last result. */
    void target(ByteBuffer dst) {
        this.dst = dst;
        this.result = null;
    }

    /** The result of the last wrap since {@link #target}, or null if the engine was not called. */
    SSLEngineResult result() {
        return result;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        result = engine.wrap(srcs, offset, length, dst);
        return result.bytesConsumed();
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        result = engine.wrap(src, dst);
        return result.bytesConsumed();
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
