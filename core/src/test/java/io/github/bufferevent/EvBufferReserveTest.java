package io.github.bufferevent;

import static io.github.bufferevent.EvBufferTest.bytes;
import static io.github.bufferevent.EvBufferTest.chunked;
import static io.github.bufferevent.EvBufferTest.contents;
import static io.github.bufferevent.EvBufferTest.threadMxBean;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link EvBuffer#reserve} and {@link EvBuffer#commit}: libevent's {@code evbuffer_reserve_space}
 * / {@code evbuffer_commit_space}, filling chunk space in place.
 */
class EvBufferReserveTest {

    private static final int CHUNK = EvBuffer.CHUNK_SIZE;

    /** Puts {@code s} at the position of {@code view}, as a channel read would. */
    private static void write(ByteBuffer view, String s) {
        view.put(bytes(s));
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Puts {@code data} into the first {@code k} views in order, as a scattering read would. */
    private static void fill(ByteBuffer[] vecs, int k, byte[] data) {
        int pos = 0;
        for (int i = 0; i < k && pos < data.length; i++) {
            int m = Math.min(vecs[i].remaining(), data.length - pos);
            vecs[i].put(data, pos, m);
            pos += m;
        }
        assertThat(pos).as("the views hold all of data").isEqualTo(data.length);
    }

    private static byte[] all(EvBuffer b) {
        byte[] out = new byte[(int) b.length()];
        b.copyOut(out);
        return out;
    }

    // ------------------------------------------------------------------ one view

    @Test
    void reserveUsesTheTailRoomWhenItIsEnough() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        ByteBuffer v = b.reserve(10);
        assertThat(v.position()).as("first free byte of the tail chunk").isEqualTo(3);
        assertThat(v.remaining()).as("all of the tail's room is reserved").isEqualTo(CHUNK - 3);
        write(v, "defg");
        assertThat(b.length()).as("reserved bytes are not buffered yet").isEqualTo(3);
        b.commit(4);
        assertThat(contents(b)).isEqualTo("abcdefg");
        assertThat(b.chunkCount()).isEqualTo(1);
    }

    @Test
    void reserveOnAnEmptyBufferTakesAPooledChunk() {
        ChunkPool pool = new ChunkPool();
        EvBuffer b = new EvBuffer(pool);
        ByteBuffer v = b.reserve(1);
        assertThat(v.position()).isZero();
        assertThat(v.remaining()).isEqualTo(CHUNK);
        assertThat(pool.created()).isEqualTo(1);
        write(v, "xy");
        b.commit(2);
        assertThat(contents(b)).isEqualTo("xy");
        b.drain(2);
        assertThat(pool.size()).as("the chunk went back to the pool").isEqualTo(1);
    }

    @Test
    void tooLittleTailRoomGivesAFreshChunkForContiguousSpace() {
        EvBuffer b = new EvBuffer();
        b.add(new byte[CHUNK - 5]);
        ByteBuffer v = b.reserve(10);
        assertThat(v.position()).isZero();
        assertThat(v.remaining()).isEqualTo(CHUNK);
        write(v, "0123456789");
        b.commit(10);
        assertThat(b.length()).isEqualTo(CHUNK + 5);
        assertThat(b.chunkCount()).as("the tail's 5 free bytes stay unused").isEqualTo(2);
        byte[] tail = new byte[10];
        b.drain(CHUNK - 5);
        b.copyOut(tail);
        assertThat(tail).isEqualTo(bytes("0123456789"));
    }

    @Test
    void moreThanAChunkIsOneContiguousOneOffChunk() {
        ChunkPool pool = new ChunkPool();
        EvBuffer b = new EvBuffer(pool);
        byte[] data = pattern(20_000, 1);
        ByteBuffer v = b.reserve(20_000);
        assertThat(v.remaining()).isEqualTo(20_000);
        v.put(data);
        b.commit(20_000);
        assertThat(b.chunkCount()).isEqualTo(1);
        assertThat(all(b)).isEqualTo(data);
        assertThat(pool.created()).as("no standard chunk taken").isZero();
        b.drain(20_000);
        assertThat(pool.size()).as("a one-off chunk is not pooled").isZero();
    }

    @Test
    void partialCommitKeepsTheRestFreeForLaterAdds() {
        EvBuffer b = new EvBuffer();
        ByteBuffer v = b.reserve(100);
        write(v, "hello, world");
        b.commit(5);
        assertThat(contents(b)).isEqualTo("hello");
        b.add(bytes("!"));
        assertThat(contents(b)).isEqualTo("hello!");
        assertThat(b.chunkCount()).isEqualTo(1);
    }

    @Test
    void commitZeroEndsTheReservationAndReportsNothing() {
        ChunkPool pool = new ChunkPool();
        EvBuffer b = new EvBuffer(pool);
        EvBufferTest.Recorder r = new EvBufferTest.Recorder();
        b.addCallback(r);
        b.reserve(10);
        b.commit(0);
        assertThat(b.length()).isZero();
        assertThat(b.chunkCount()).isZero();
        assertThat(pool.size()).as("the unused chunk went back").isEqualTo(1);
        assertThat(r.calls).isEmpty();
        assertThatThrownBy(() -> b.commit(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void reservingAgainReplacesTheReservation() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("a"));
        ByteBuffer first = b.reserve(5);
        ByteBuffer again = b.reserve(5);
        assertThat(again).as("the same reusable view over the same space").isSameAs(first);
        ByteBuffer big = b.reserve(2 * CHUNK);
        assertThat(big.remaining()).isEqualTo(2 * CHUNK);
        big.put(pattern(2 * CHUNK, 2));
        b.commit(2 * CHUNK);
        assertThat(b.length()).isEqualTo(1 + 2 * CHUNK);
        assertThatThrownBy(() -> b.commit(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void readingCallsDoNotEndAReservation() throws IOException {
        EvBuffer b = chunked("abcdef", 3, 3);
        ByteBuffer v = b.reserve(3);
        assertThat(b.copyOut(new byte[6])).isEqualTo(6);
        assertThat(b.search(bytes("cd"))).isEqualTo(2);
        assertThat(b.peek(-1)).hasSize(2);
        assertThat(b.writeTo(new EvBufferTest.CountingChannel(), 0, new ByteBuffer[1])).isZero();
        b.addCallback((buf, o, a, d) -> { });
        write(v, "ghi");
        b.commit(3);
        assertThat(contents(b)).isEqualTo("abcdefghi");
    }

    // ------------------------------------------------------------------ several views

    @Test
    void vectorsSpanTheTailRoomThenNewChunks() {
        EvBuffer b = new EvBuffer();
        b.add(new byte[CHUNK - 100]);
        ByteBuffer[] vecs = new ByteBuffer[4];
        assertThat(b.reserve(10_000, vecs)).isEqualTo(3);
        assertThat(Arrays.stream(vecs, 0, 3).mapToInt(ByteBuffer::remaining)).containsExactly(100, CHUNK, CHUNK);
        assertThat(vecs[3]).as("slots beyond those filled are left alone").isNull();
        byte[] data = pattern(9_000, 3);
        fill(vecs, 3, data);
        b.commit(9_000);
        assertThat(b.length()).isEqualTo(CHUNK - 100 + 9_000);
        assertThat(b.chunkCount()).as("100 in the tail, 8192 in the next, 708 in a third").isEqualTo(3);
        b.drain(CHUNK - 100);
        assertThat(all(b)).isEqualTo(data);
    }

    @Test
    void commitCanStopInsideAnyVector() {
        for (int n : new int[] {1, 99, 100, 101, 100 + CHUNK, 100 + CHUNK + 1}) {
            EvBuffer b = new EvBuffer();
            b.add(new byte[CHUNK - 100]);
            ByteBuffer[] vecs = new ByteBuffer[3];
            int k = b.reserve(2 * CHUNK, vecs);
            byte[] data = pattern(n, n);
            fill(vecs, k, data);
            b.commit(n);
            b.drain(CHUNK - 100);
            assertThat(all(b)).as("commit %d", n).isEqualTo(data);
        }
    }

    @Test
    void whenTheSlotsRunOutTheLastGetsTheRest() {
        EvBuffer b = new EvBuffer();
        b.add(new byte[CHUNK - 100]);
        ByteBuffer[] vecs = new ByteBuffer[2];
        assertThat(b.reserve(20_000, vecs)).isEqualTo(2);
        assertThat(vecs[0].remaining()).isEqualTo(100);
        assertThat(vecs[1].remaining()).isEqualTo(19_900);
    }

    @Test
    void enoughTailRoomFillsOneSlot() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        ByteBuffer[] vecs = new ByteBuffer[2];
        assertThat(b.reserve(100, vecs)).isEqualTo(1);
        assertThat(vecs[0].remaining()).isEqualTo(CHUNK - 3);
        assertThat(vecs[1]).isNull();
    }

    @Test
    void oneSlotIsContiguousLikeTheSingleForm() {
        EvBuffer b = new EvBuffer();
        b.add(new byte[CHUNK - 5]);
        ByteBuffer[] vecs = new ByteBuffer[1];
        assertThat(b.reserve(10, vecs)).isEqualTo(1);
        assertThat(vecs[0].position()).isZero();
        assertThat(vecs[0].remaining()).isEqualTo(CHUNK);
    }

    // ------------------------------------------------------------------ callbacks

    @Test
    void hookAndCallbacksRunOnceWithTheCommittedLength() {
        EvBuffer b = new EvBuffer();
        b.add(new byte[CHUNK - 100]);
        List<String> hooked = new ArrayList<>();
        b.hook((buf, original, added, deleted) -> hooked.add(original + ":" + added + ":" + deleted));
        EvBufferTest.Recorder r = new EvBufferTest.Recorder();
        b.addCallback(r);
        ByteBuffer[] vecs = new ByteBuffer[3];
        b.reserve(3 * CHUNK, vecs);
        assertThat(r.calls).as("reserving changes nothing").isEmpty();
        b.commit(5_000);
        String expected = (CHUNK - 100) + ":5000:0";
        assertThat(hooked).containsExactly(expected);
        assertThat(r.calls).containsExactly(expected);
    }

    @Test
    void aCallbackMayReserveAndCommitAgain() {
        EvBuffer b = new EvBuffer();
        int[] depth = {0};
        b.addCallback((buf, original, added, deleted) -> {
            if (added > 0 && depth[0]++ == 0) {
                write(buf.reserve(1), "!");
                buf.commit(1);
            }
        });
        write(b.reserve(2), "hi");
        b.commit(2);
        assertThat(contents(b)).isEqualTo("hi!");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void badArguments() {
        EvBuffer b = new EvBuffer();
        assertThatThrownBy(() -> b.reserve(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("atLeast must be between 1 and 2147483639, was 0");
        assertThatThrownBy(() -> b.reserve(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was -1");
        assertThatThrownBy(() -> b.reserve(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("atLeast must be between 1 and");
        assertThatThrownBy(() -> b.reserve(0, new ByteBuffer[2])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("atLeast must be between 1 and 2147483639, was 0");
        assertThatThrownBy(() -> b.reserve(Integer.MAX_VALUE, new ByteBuffer[2])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("atLeast must be between 1 and 2147483639, was 2147483647");
        assertThatThrownBy(() -> b.reserve(1, new ByteBuffer[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vecs must have at least 1 slot, had 0");
        assertThatThrownBy(() -> b.reserve(1, (ByteBuffer[]) null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("vecs");
        b.reserve(1);
        assertThatThrownBy(() -> b.commit(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("n must be >= 0, was -1");
        assertThat(b.length()).isZero();
        assertThat(b.chunkCount()).isZero();
    }

    @Test
    void commitWithoutReserveFails() {
        EvBuffer b = new EvBuffer();
        assertThatThrownBy(() -> b.commit(0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing is reserved");
        b.reserve(4);
        b.commit(4);
        assertThatThrownBy(() -> b.commit(1)).as("a second commit").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing is reserved");
        assertThat(b.length()).isEqualTo(4);
    }

    @Test
    void commitMoreThanReservedFailsAndChangesNothing() {
        EvBuffer b = new EvBuffer();
        b.add(new byte[CHUNK - 10]);
        EvBufferTest.Recorder r = new EvBufferTest.Recorder();
        b.addCallback(r);
        ByteBuffer v = b.reserve(10);
        assertThat(v.remaining()).isEqualTo(10);
        assertThatThrownBy(() -> b.commit(11)).isInstanceOf(IllegalStateException.class)
                .hasMessage("n must be <= the 10 bytes reserved, was 11");
        assertThat(b.length()).isEqualTo(CHUNK - 10);
        assertThat(r.calls).isEmpty();
        b.commit(10);
        assertThat(b.length()).isEqualTo(CHUNK);
    }

    /** Every kind of change between reserve and commit, by name. */
    static Stream<Arguments> changes() {
        EvBuffer other = new EvBuffer();
        return Stream.of(
                change("add(byte[])", b -> b.add(bytes("x"))),
                change("add(ByteBuffer)", b -> b.add(ByteBuffer.wrap(bytes("x")))),
                change("prepend", b -> b.prepend(bytes("x"))),
                change("drain", b -> b.drain(1)),
                change("remove", b -> b.remove(new byte[1])),
                change("readLine", b -> b.readLine(EolStyle.LF)),
                change("pullup", b -> b.pullup(4)),
                change("addBuffer into it", b -> b.addBuffer(chunked("yz", 2))),
                change("addBuffer from it", b -> new EvBuffer().addBuffer(b)),
                change("removeBuffer from it", b -> b.removeBuffer(other, 1)),
                change("removeBuffer into it", b -> chunked("yz", 2).removeBuffer(b, 1)),
                change("writeTo", b -> {
                    try {
                        b.writeTo(new EvBufferTest.CountingChannel(), 1, new ByteBuffer[1]);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }));
    }

    private static Arguments change(String name, Consumer<EvBuffer> change) {
        return Arguments.of(name, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void anyChangeBetweenReserveAndCommitEndsTheReservation(String name, Consumer<EvBuffer> change) {
        EvBuffer b = chunked("ab\ncd", 2, 3);
        b.reserve(5);
        change.accept(b);
        long length = b.length();
        assertThatThrownBy(() -> b.commit(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing is reserved");
        assertThat(b.length()).isEqualTo(length);
        write(b.reserve(1), "!");
        b.commit(1);
        assertThat(b.length()).as("a fresh reservation works").isEqualTo(length + 1);
    }

    @Test
    void theReservationIsGoneBeforeTheOtherBuffersCallbacksRun() {
        EvBuffer src = chunked("abc", 3);
        EvBuffer dst = new EvBuffer();
        dst.add(bytes("x"));
        dst.reserve(1);
        List<Throwable> seen = new ArrayList<>();
        src.addCallback((buf, original, added, deleted) -> {
            try {
                dst.commit(1); // dst has just received src's bytes: its reservation must be gone
            } catch (IllegalStateException e) {
                seen.add(e);
            }
        });
        dst.addBuffer(src);
        assertThat(seen).hasSize(1);
        assertThat(contents(dst)).isEqualTo("xabc");
    }

    // ------------------------------------------------------------------ real I/O, allocation

    @Test
    @Timeout(60)
    void socketReadsStraightIntoReservedSpace() throws Exception {
        byte[] data = pattern(1 << 20, 4);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                    SocketChannel accepted = server.accept()) {
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    try {
                        ByteBuffer src = ByteBuffer.wrap(data);
                        while (src.hasRemaining()) {
                            client.write(src);
                        }
                        client.shutdownOutput();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                ChunkPool pool = new ChunkPool();
                EvBuffer in = new EvBuffer(pool);
                EvBufferTest.Recorder r = new EvBufferTest.Recorder();
                in.addCallback(r);
                ByteBuffer[] vecs = new ByteBuffer[2];
                int reads = 0;
                while (true) {
                    long n;
                    if (reads++ % 2 == 0) {
                        int k = in.reserve(CHUNK, vecs);
                        n = accepted.read(vecs, 0, k);
                    } else {
                        n = accepted.read(in.reserve(4096));
                    }
                    if (n < 0) {
                        in.commit(0);
                        break;
                    }
                    in.commit(n);
                }
                sent.get(30, TimeUnit.SECONDS);
                assertThat(in.length()).isEqualTo(data.length);
                assertThat(all(in)).isEqualTo(data);
                assertThat(r.calls).as("one report per read that brought bytes, none for EOF").hasSize(reads - 1);
            }
        }
    }

    @Test
    void reserveAndCommitAllocateNothingOnceWarm() {
        com.sun.management.ThreadMXBean mx = threadMxBean();
        assumeTrue(mx != null, "no thread allocation accounting on this JVM");
        ChunkPool pool = new ChunkPool();
        EvBuffer b = new EvBuffer(pool);
        ByteBuffer[] vecs = new ByteBuffer[3];
        byte[] packet = new byte[64];
        int[] slots = new int[1];
        Runnable round = () -> {
            b.reserve(64).put(packet);
            b.commit(64);
            slots[0] = b.reserve(2 * CHUNK, vecs); // the tail's room, then two pooled chunks
            b.commit(vecs[0].remaining() + 100L); // fills the tail, spills into the second
            b.drain(b.length());
        };
        for (int i = 0; i < 20_000; i++) {
            round.run();
        }
        assertThat(slots[0]).isEqualTo(3);
        long created = pool.created();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            round.run();
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(pool.created()).isEqualTo(created);
        // 100k rounds: any per-call allocation would show as megabytes
        assertThat(allocated).as("bytes allocated by 100k reserve/commit rounds").isLessThan(64 * 1024);
    }
}
