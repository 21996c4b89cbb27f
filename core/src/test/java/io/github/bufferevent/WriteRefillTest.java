package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When a write leaves the output at or below the write low watermark but not empty, the write
 * callback runs before the rest is written (as libevent runs it after such a write), so that a
 * writer refilling there tops the output up instead of the rest leaving as a short write and a TCP
 * packet of its own. The send buffer is made large so that the socket takes every write whole.
 */
@Timeout(30)
class WriteRefillTest {

    @Test
    void theWriteCallbackRunsWhenAWriteLeavesTheOutputAtTheLowWatermark() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        List<Long> seen = new CopyOnWriteArrayList<>();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent bev = writer(server, base);
            bev.setCallbacks(null, b -> {
                seen.add(b.output().length());
                if (seen.size() == 1) {
                    b.write(new byte[80_000]); // refill: 40,000 + 80,000 go out as 60,000 + 60,000
                } else {
                    b.free();
                    base.loopBreak();
                }
            }, null);
            bev.write(new byte[100_000]);
            base.dispatch();
            // First call after the first 60,000 bytes with 40,000 still queued; second after the
            // refilled output was written out.
            assertThat(seen).containsExactly(40_000L, 0L);
            assertThat(received.get(5, TimeUnit.SECONDS)).hasSize(180_000);
        }
    }

    @Test
    void aWriteCallbackFreeingTheBufferEventThereStopsTheWriting() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        byte[] received = freeInTheFirstWriteCallback(seen);
        assertThat(seen).containsExactly(40_000L);
        assertThat(received).hasSize(60_000); // pending output is discarded
    }

    @Test
    void deferredCallbacksStillRunAfterTheTurnsWrites() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        byte[] received = freeInTheFirstWriteCallback(seen, BevOption.DEFER_CALLBACKS);
        assertThat(seen).containsExactly(0L);
        assertThat(received).hasSize(100_000);
    }

    /** Writes 100,000 bytes; the first write callback records the output left, frees and breaks. Returns what the peer read. */
    private static byte[] freeInTheFirstWriteCallback(List<Long> seen, BevOption... extra) throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent bev = writer(server, base, extra);
            bev.setCallbacks(null, b -> {
                seen.add(b.output().length());
                b.free();
                base.loopBreak();
            }, null);
            bev.write(new byte[100_000]);
            base.dispatch();
            return received.get(5, TimeUnit.SECONDS);
        }
    }

    /** A bufferevent on a socket whose send buffer takes every write whole: 60,000-byte writes, write low watermark 50,000. */
    private static BufferEvent writer(LoopbackPeer server, EventBase base, BevOption... extra) throws Exception {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 * 1024 * 1024);
        ch.connect(server.address());
        BevOption[] options = java.util.Arrays.copyOf(extra, extra.length + 1);
        options[extra.length] = BevOption.CLOSE_ON_FREE;
        BufferEvent bev = BufferEvent.socket(base, ch, options);
        bev.setMaxSingleWrite(60_000);
        bev.setWatermark(Ev.WRITE, 50_000, 0);
        return bev;
    }
}
