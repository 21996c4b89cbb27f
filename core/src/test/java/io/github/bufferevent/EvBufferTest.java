package io.github.bufferevent;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class EvBufferTest {

    // ------------------------------------------------------------------ helpers

    static byte[] bytes(String s) {
        return s.getBytes(ISO_8859_1);
    }

    static String contents(EvBuffer b) {
        byte[] all = new byte[(int) b.length()];
        assertThat(b.copyOut(all)).isEqualTo(all.length);
        return new String(all, ISO_8859_1);
    }

    /**
     * A buffer whose chunks hold exactly {@code sizes} bytes each, in order, built with the public
     * API only: each piece is put at the very end of its own chunk (so the tail never has room and
     * addBuffer relinks instead of copying).
     */
    static EvBuffer chunked(byte[] data, int... sizes) {
        EvBuffer out = new EvBuffer();
        int pos = 0;
        for (int k : sizes) {
            EvBuffer piece = new EvBuffer();
            piece.add(new byte[EvBuffer.CHUNK_SIZE - k]);
            piece.add(data, pos, k);
            piece.drain(EvBuffer.CHUNK_SIZE - k);
            out.addBuffer(piece);
            pos += k;
        }
        assertThat(pos).as("sizes must add up to data.length").isEqualTo(data.length);
        assertThat(out.chunkCount()).isEqualTo(sizes.length);
        assertThat(out.length()).isEqualTo(data.length);
        return out;
    }

    static EvBuffer chunked(String s, int... sizes) {
        return chunked(bytes(s), sizes);
    }

    /** A buffer with every byte of {@code s} in its own chunk. */
    static EvBuffer oneByteChunks(String s) {
        int[] ones = new int[s.length()];
        Arrays.fill(ones, 1);
        return chunked(bytes(s), ones);
    }

    /** A buffer of {@code s} split into random chunk sizes of 1..maxPiece. */
    static EvBuffer randomChunks(String s, Random rnd, int maxPiece) {
        List<Integer> sizes = new ArrayList<>();
        int left = s.length();
        while (left > 0) {
            int k = 1 + rnd.nextInt(Math.min(left, maxPiece));
            sizes.add(k);
            left -= k;
        }
        return chunked(bytes(s), sizes.stream().mapToInt(Integer::intValue).toArray());
    }

    static String str(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return new String(a, ISO_8859_1);
    }

    /** Records callback infos as "originalSize:added:deleted". */
    static final class Recorder implements EvBuffer.Callback {
        final List<String> calls = new ArrayList<>();
        /** Whether to check that the buffer's length is the one the info implies. */
        boolean checkLength = true;

        @Override
        public void onChange(EvBuffer buffer, long originalSize, long added, long deleted) {
            if (checkLength) {
                assertThat(buffer.length()).as("length after change").isEqualTo(originalSize + added - deleted);
            }
            calls.add(originalSize + ":" + added + ":" + deleted);
        }
    }

    /** The JVM's per-thread allocation counter, or null where it has none. */
    static com.sun.management.ThreadMXBean threadMxBean() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean) {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            if (mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled()) {
                return mx;
            }
        }
        return null;
    }

    static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------ add / copyOut / remove

    @Nested
    class AddAndRemove {

        @Test
        void emptyBuffer() {
            EvBuffer b = new EvBuffer();
            assertThat(b.length()).isZero();
            assertThat(b.remove(new byte[4])).isZero();
            assertThat(b.copyOut(new byte[4])).isZero();
            assertThat(b.toString()).isEqualTo("EvBuffer[length=0, chunks=0]");
        }

        @Test
        void addThenCopyOutAndRemove() {
            EvBuffer b = new EvBuffer();
            b.add(bytes("hello "));
            b.add(bytes("xxworldxx"), 2, 5);
            assertThat(b.length()).isEqualTo(11);
            assertThat(b.toString()).isEqualTo("EvBuffer[length=11, chunks=1]");

            byte[] dst = new byte[20];
            assertThat(b.copyOut(dst, 3, 5)).isEqualTo(5);
            assertThat(new String(dst, 3, 5, ISO_8859_1)).isEqualTo("hello");
            assertThat(b.length()).isEqualTo(11);

            byte[] five = new byte[5];
            assertThat(b.remove(five)).isEqualTo(5);
            assertThat(new String(five, ISO_8859_1)).isEqualTo("hello");
            assertThat(b.length()).isEqualTo(6);

            Arrays.fill(dst, (byte) '-');
            assertThat(b.remove(dst, 1, 19)).isEqualTo(6);
            assertThat(new String(dst, 0, 8, ISO_8859_1)).isEqualTo("- world-");
            assertThat(b.length()).isZero();
        }

        @Test
        void copyOutAndRemoveAcrossChunks() {
            EvBuffer b = chunked("abcdefghij", 3, 1, 4, 2);
            byte[] dst = new byte[7];
            assertThat(b.copyOut(dst)).isEqualTo(7);
            assertThat(new String(dst, ISO_8859_1)).isEqualTo("abcdefg");
            assertThat(b.remove(dst, 0, 5)).isEqualTo(5);
            assertThat(contents(b)).isEqualTo("fghij");
            assertThat(b.chunkCount()).isEqualTo(2);
        }

        @Test
        void addByteBufferAdvancesPositionHeapDirectAndReadOnly() {
            EvBuffer b = new EvBuffer();
            ByteBuffer heap = ByteBuffer.wrap(bytes("__abc__"), 2, 3);
            b.add(heap);
            assertThat(heap.position()).isEqualTo(5);
            assertThat(heap.hasRemaining()).isFalse();

            ByteBuffer direct = ByteBuffer.allocateDirect(16);
            direct.put(bytes("defg")).flip();
            b.add(direct);
            assertThat(direct.position()).isEqualTo(4);

            b.add(ByteBuffer.wrap(bytes("hi")).asReadOnlyBuffer());
            b.add(ByteBuffer.allocate(0));
            assertThat(contents(b)).isEqualTo("abcdefghi");
        }

        @Test
        void largeAddByteBufferSpansChunks() {
            Random rnd = new Random(7);
            byte[] data = randomBytes(rnd, (3 << 20) + 12345);
            EvBuffer b = new EvBuffer();
            b.add(bytes("x"));
            b.add(ByteBuffer.wrap(data));
            byte[] out = new byte[data.length + 1];
            assertThat(b.remove(out)).isEqualTo(out.length);
            assertThat(out[0]).isEqualTo((byte) 'x');
            assertThat(Arrays.copyOfRange(out, 1, out.length)).isEqualTo(data);
        }

        @Test
        void addFillsTailThenChainsStandardChunks() {
            EvBuffer small = new EvBuffer();
            small.add(new byte[100]);
            small.add(new byte[20000]); // 8092 into the tail, then 8192 + 3716 in two standard chunks
            assertThat(small.chunkCount()).isEqualTo(3);
            assertThat(small.length()).isEqualTo(20100);

            EvBuffer big = new EvBuffer();
            big.add(new byte[3 << 20]);
            assertThat(big.chunkCount()).isEqualTo((3 << 20) / EvBuffer.CHUNK_SIZE);

            EvBuffer many = new EvBuffer();
            for (int i = 0; i < 10000; i++) {
                many.add(new byte[] {(byte) i});
            }
            assertThat(many.chunkCount()).isEqualTo(2); // 8192 + 1808
            byte[] all = new byte[10000];
            many.copyOut(all);
            for (int i = 0; i < all.length; i++) {
                assertThat(all[i]).isEqualTo((byte) i);
            }
        }

        @Test
        void zeroLengthOperationsChangeNothingAndFireNothing() {
            EvBuffer b = new EvBuffer();
            Recorder r = new Recorder();
            b.addCallback(r);
            b.add(new byte[0]);
            b.add(ByteBuffer.allocate(0));
            b.prepend(new byte[0]);
            b.drain(5);
            b.remove(new byte[3]);
            b.addBuffer(new EvBuffer());
            assertThat(b.removeBuffer(new EvBuffer(), 10)).isZero();
            assertThat(b.readLine(EolStyle.LF)).isNull();
            assertThat(r.calls).isEmpty();
        }
    }

    // ------------------------------------------------------------------ drain

    @Nested
    class Drain {

        @Test
        void drainPartialWholeChunksAndMoreThanLength() {
            EvBuffer b = chunked("abcdefghij", 3, 3, 4);
            Recorder r = new Recorder();
            b.addCallback(r);

            b.drain(2);
            assertThat(contents(b)).isEqualTo("cdefghij");
            assertThat(b.chunkCount()).isEqualTo(3);

            b.drain(4); // "c" and "def": two whole chunks
            assertThat(contents(b)).isEqualTo("ghij");
            assertThat(b.chunkCount()).isEqualTo(1);

            b.drain(0);
            b.drain(100);
            assertThat(b.length()).isZero();
            assertThat(b.chunkCount()).isZero();
            assertThat(r.calls).containsExactly("10:0:2", "8:0:4", "4:0:4");

            b.drain(1);
            assertThat(r.calls).hasSize(3);
        }

        @Test
        void drainedStandardChunksGoBackToThePool() {
            ChunkPool pool = new ChunkPool();
            EvBuffer b = new EvBuffer(pool);
            b.add(new byte[3 * EvBuffer.CHUNK_SIZE]); // three standard chunks
            b.add(new byte[EvBuffer.CHUNK_SIZE]);     // a fourth
            b.add(new byte[10]);                      // a fifth
            assertThat(pool.size()).isZero();
            assertThat(pool.created()).isEqualTo(5);
            b.drain(Long.MAX_VALUE);
            assertThat(pool.size()).isEqualTo(5);
            b.add(new byte[10]);
            b.add(new byte[EvBuffer.CHUNK_SIZE]);     // fills the first, spills 10 bytes into a second
            assertThat(pool.created()).isEqualTo(5);
            assertThat(pool.size()).isEqualTo(3);
        }

        @Test
        void poolKeepsAtMostItsCapacity() {
            ChunkPool pool = new ChunkPool(2);
            EvBuffer b = new EvBuffer(pool);
            for (int i = 0; i < 4; i++) {
                b.add(new byte[EvBuffer.CHUNK_SIZE]); // a full standard chunk each
            }
            assertThat(b.chunkCount()).isEqualTo(4);
            b.drain(b.length());
            assertThat(pool.size()).isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------ addBuffer / removeBuffer

    @Nested
    class MovingBetweenBuffers {

        @Test
        void addBufferRelinksLargeSourceWithoutCopying() {
            EvBuffer dst = chunked("0123", 2, 2);
            EvBuffer src = new EvBuffer();
            byte[] big = new byte[3000];
            Arrays.fill(big, (byte) 'z');
            src.add(big);
            src.add(new byte[EvBuffer.CHUNK_SIZE]); // 2 chunks in src
            int srcChunks = src.chunkCount();
            Recorder rd = new Recorder();
            Recorder rs = new Recorder();
            dst.addCallback(rd);
            src.addCallback(rs);

            dst.addBuffer(src);

            long total = 4 + 3000 + EvBuffer.CHUNK_SIZE;
            assertThat(dst.length()).isEqualTo(total);
            assertThat(dst.chunkCount()).isEqualTo(2 + srcChunks);
            assertThat(src.length()).isZero();
            assertThat(src.chunkCount()).isZero();
            assertThat(rs.calls).containsExactly((total - 4) + ":0:" + (total - 4));
            assertThat(rd.calls).containsExactly("4:" + (total - 4) + ":0");
            byte[] head = new byte[8];
            dst.copyOut(head);
            assertThat(new String(head, ISO_8859_1)).isEqualTo("0123zzzz");

            // src is usable again
            src.add(bytes("again"));
            assertThat(contents(src)).isEqualTo("again");
        }

        @Test
        void addBufferCopiesSmallSourceIntoTailWithRoom() {
            EvBuffer dst = new EvBuffer();
            dst.add(bytes("head:"));
            EvBuffer src = chunked("abcdef", 2, 4);
            dst.addBuffer(src);
            assertThat(dst.chunkCount()).isEqualTo(1);
            assertThat(contents(dst)).isEqualTo("head:abcdef");
            assertThat(src.length()).isZero();
            assertThat(src.chunkCount()).isZero();
        }

        @Test
        void addBufferIntoEmptyAndToItself() {
            EvBuffer dst = new EvBuffer();
            EvBuffer src = chunked("abc", 1, 2);
            dst.addBuffer(src);
            assertThat(contents(dst)).isEqualTo("abc");
            assertThat(dst.chunkCount()).isEqualTo(2);

            Recorder r = new Recorder();
            dst.addCallback(r);
            dst.addBuffer(dst);
            assertThat(contents(dst)).isEqualTo("abc");
            assertThat(r.calls).isEmpty();
        }

        @Test
        void removeBufferMovesWholeChunksAndCopiesOnlyTheBoundary() {
            EvBuffer src = chunked("aaabbbbcc", 3, 4, 2);
            EvBuffer dst = new EvBuffer();
            dst.add(bytes(">"));
            Recorder rs = new Recorder();
            Recorder rd = new Recorder();
            src.addCallback(rs);
            dst.addCallback(rd);

            assertThat(src.removeBuffer(dst, 5)).isEqualTo(5);

            assertThat(contents(src)).isEqualTo("bbcc");
            assertThat(contents(dst)).isEqualTo(">aaabb");
            assertThat(src.chunkCount()).isEqualTo(2);
            // the ">" chunk had room, but "aaa" was relinked as a whole chunk and "bb" copied after it
            assertThat(dst.chunkCount()).isEqualTo(3);
            assertThat(rs.calls).containsExactly("9:0:5");
            assertThat(rd.calls).containsExactly("1:5:0");

            assertThat(src.removeBuffer(dst, 100)).isEqualTo(4);
            assertThat(src.length()).isZero();
            assertThat(src.chunkCount()).isZero();
            assertThat(contents(dst)).isEqualTo(">aaabbbbcc");
            assertThat(rs.calls).containsExactly("9:0:5", "4:0:4");
            assertThat(rd.calls).containsExactly("1:5:0", "6:4:0");

            assertThat(src.removeBuffer(dst, 3)).isZero();
            assertThat(dst.removeBuffer(dst, 3)).isZero();
            assertThat(dst.removeBuffer(src, 0)).isZero();
            assertThat(rd.calls).hasSize(2);
        }

        @Test
        void removeBufferExactChunkBoundary() {
            EvBuffer src = chunked("abcdef", 2, 2, 2);
            EvBuffer dst = new EvBuffer();
            assertThat(src.removeBuffer(dst, 4)).isEqualTo(4);
            assertThat(dst.chunkCount()).isEqualTo(2);
            assertThat(contents(dst)).isEqualTo("abcd");
            assertThat(contents(src)).isEqualTo("ef");
            src.add(bytes("gh"));
            dst.add(bytes("XY"));
            assertThat(contents(src)).isEqualTo("efgh");
            assertThat(contents(dst)).isEqualTo("abcdXY");
        }

        @Test
        void removeBufferWithinTheFirstChunk() {
            EvBuffer src = new EvBuffer();
            src.add(bytes("hello world"));
            EvBuffer dst = new EvBuffer();
            assertThat(src.removeBuffer(dst, 6)).isEqualTo(6);
            assertThat(contents(dst)).isEqualTo("hello ");
            assertThat(contents(src)).isEqualTo("world");
        }
    }

    // ------------------------------------------------------------------ prepend

    @Nested
    class Prepend {

        @Test
        void prependUsesSpaceBeforeHeadData() {
            EvBuffer b = new EvBuffer();
            b.add(bytes("0123456789"));
            b.drain(5);
            Recorder r = new Recorder();
            b.addCallback(r);
            b.prepend(bytes("abc"));
            assertThat(b.chunkCount()).isEqualTo(1);
            assertThat(contents(b)).isEqualTo("abc56789");
            assertThat(r.calls).containsExactly("5:3:0");
        }

        @Test
        void prependWithoutRoomAddsChunkAndLaterPrependsReuseIt() {
            EvBuffer b = new EvBuffer();
            b.add(bytes("body"));
            b.prepend(bytes("xxHDRxx"), 2, 3);
            assertThat(b.chunkCount()).isEqualTo(2);
            assertThat(contents(b)).isEqualTo("HDRbody");
            b.prepend(bytes("1:"));
            assertThat(b.chunkCount()).isEqualTo(2);
            assertThat(contents(b)).isEqualTo("1:HDRbody");
        }

        @Test
        void prependPartlyIntoHeadSpacePartlyIntoNewChunks() {
            EvBuffer b = new EvBuffer();
            b.add(bytes("0123456789"));
            b.drain(3);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 20000; i++) {
                sb.append((char) ('a' + i % 26));
            }
            String big = sb.toString();
            b.prepend(bytes(big));
            assertThat(b.length()).isEqualTo(20007);
            assertThat(contents(b)).isEqualTo(big + "3456789");
            assertThat(b.chunkCount()).isGreaterThanOrEqualTo(2);
        }

        @Test
        void prependToEmptyBufferAndThenAdd() {
            EvBuffer b = new EvBuffer();
            b.prepend(bytes("mid"));
            b.add(bytes("-end"));
            b.prepend(bytes("start-"));
            assertThat(contents(b)).isEqualTo("start-mid-end");
        }
    }

    // ------------------------------------------------------------------ pullup

    @Nested
    class Pullup {

        @Test
        void pullupWholeBufferAcrossChunks() {
            EvBuffer b = chunked("abcdefghij", 3, 3, 4);
            ByteBuffer v = b.pullup(-1);
            assertThat(v.position()).isZero();
            assertThat(v.limit()).isEqualTo(10);
            assertThat(str(v)).isEqualTo("abcdefghij");
            assertThat(b.chunkCount()).isEqualTo(1);
            assertThat(b.length()).isEqualTo(10);
            b.add(bytes("k"));
            assertThat(contents(b)).isEqualTo("abcdefghijk");
        }

        @Test
        void pullupPrefixSplitsAChunk() {
            EvBuffer b = chunked("abcdefghij", 3, 3, 4);
            ByteBuffer v = b.pullup(5);
            assertThat(v.remaining()).isEqualTo(5);
            assertThat(str(v)).isEqualTo("abcde");
            assertThat(b.chunkCount()).isEqualTo(3); // "abcde", "f", "ghij"
            assertThat(contents(b)).isEqualTo("abcdefghij");
            b.drain(6);
            assertThat(contents(b)).isEqualTo("ghij");
        }

        @Test
        void pullupWithinFirstChunkDoesNotCopyAndViewWritesThrough() {
            EvBuffer b = chunked("abcdef", 4, 2);
            ByteBuffer v = b.pullup(3);
            assertThat(str(v)).isEqualTo("abc");
            assertThat(b.chunkCount()).isEqualTo(2);
            v.put(0, (byte) 'X');
            assertThat(contents(b)).isEqualTo("Xbcdef");
        }

        @Test
        void pullupLargerThanAStandardChunk() {
            Random rnd = new Random(3);
            byte[] data = randomBytes(rnd, 3 * EvBuffer.CHUNK_SIZE);
            EvBuffer b = chunked(data, EvBuffer.CHUNK_SIZE, EvBuffer.CHUNK_SIZE, EvBuffer.CHUNK_SIZE);
            ByteBuffer v = b.pullup(20000);
            byte[] got = new byte[20000];
            v.get(got);
            assertThat(got).isEqualTo(Arrays.copyOf(data, 20000));
            byte[] all = new byte[data.length];
            b.copyOut(all);
            assertThat(all).isEqualTo(data);
        }

        @Test
        void pullupWhenHeadHasDrainedSpaceCompacts() {
            EvBuffer b = new EvBuffer();
            b.add(new byte[EvBuffer.CHUNK_SIZE - 2]);
            b.add(bytes("abcdef")); // "ab" fills the first chunk, "cdef" goes to a second
            b.drain(EvBuffer.CHUNK_SIZE - 2);
            assertThat(b.chunkCount()).isEqualTo(2);
            assertThat(str(b.pullup(-1))).isEqualTo("abcdef");
            assertThat(b.chunkCount()).isEqualTo(1);
        }

        @Test
        void pullupBeyondLengthIsNullAndZeroIsEmpty() {
            EvBuffer b = chunked("abc", 1, 2);
            assertThat(b.pullup(4)).isNull();
            assertThat(b.pullup(0).remaining()).isZero();
            assertThat(new EvBuffer().pullup(-1).remaining()).isZero();
            assertThat(new EvBuffer().pullup(1)).isNull();
            assertThat(b.chunkCount()).isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------ peek

    @Nested
    class Peek {

        @Test
        void peekCountsAndFillsViews() {
            EvBuffer b = chunked("abcdefghijkl", 3, 4, 5);
            ByteBuffer[] one = new ByteBuffer[1];
            assertThat(b.peek(-1, one)).isEqualTo(3);
            assertThat(str(one[0])).isEqualTo("abc");

            ByteBuffer[] four = new ByteBuffer[4];
            assertThat(b.peek(-1, four)).isEqualTo(3);
            assertThat(str(four[0]) + "|" + str(four[1]) + "|" + str(four[2])).isEqualTo("abc|defg|hijkl");
            assertThat(four[3]).isNull();

            assertThat(b.peek(3, new ByteBuffer[0])).isEqualTo(1);
            assertThat(b.peek(4, new ByteBuffer[0])).isEqualTo(2);
            assertThat(b.peek(0, four)).isZero();
            assertThat(b.peek(1000, new ByteBuffer[0])).isEqualTo(3);
            assertThat(b.length()).isEqualTo(12);
        }

        @Test
        void peekListCutsTheLastViewAtLen() {
            EvBuffer b = chunked("abcdefghijkl", 3, 4, 5);
            List<ByteBuffer> views = b.peek(5);
            assertThat(views).hasSize(2);
            assertThat(str(views.get(0))).isEqualTo("abc");
            assertThat(str(views.get(1))).isEqualTo("de");
            assertThat(views.get(1).position()).isZero();
            assertThat(b.peek(-1)).hasSize(3);
            assertThat(new EvBuffer().peek(-1)).isEmpty();
        }

        @Test
        void peekViewsAreReadOnly() {
            EvBuffer b = chunked("abc", 3);
            ByteBuffer v = b.peek(-1).get(0);
            assertThat(v.isReadOnly()).isTrue();
            assertThatThrownBy(() -> v.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
        }
    }

    // ------------------------------------------------------------------ search

    @Nested
    class Search {

        @Test
        void basicSearch() {
            EvBuffer b = chunked("hello world, hello", 4, 3, 5, 6);
            assertThat(b.search(bytes("hello"))).isZero();
            assertThat(b.search(bytes("hello"), 1)).isEqualTo(13);
            assertThat(b.search(bytes("o w"))).isEqualTo(4);
            assertThat(b.search(bytes("world,"))).isEqualTo(6);
            assertThat(b.search(bytes("hello!"))).isEqualTo(-1);
            assertThat(b.search(bytes("lo"), 14)).isEqualTo(16);
            assertThat(b.search(bytes("lo"), 17)).isEqualTo(-1);
            assertThat(b.length()).isEqualTo(18);
        }

        @Test
        void startBeyondLengthAndEmptyPattern() {
            EvBuffer b = chunked("abcabc", 2, 4);
            assertThat(b.search(bytes("a"), 6)).isEqualTo(-1);
            assertThat(b.search(bytes("a"), 100)).isEqualTo(-1);
            assertThat(b.search(new byte[0])).isZero();
            assertThat(b.search(new byte[0], 4)).isEqualTo(4);
            assertThat(b.search(new byte[0], 6)).isEqualTo(6);
            assertThat(b.search(new byte[0], 7)).isEqualTo(-1);
            assertThat(new EvBuffer().search(bytes("a"))).isEqualTo(-1);
            assertThat(new EvBuffer().search(new byte[0])).isZero();
        }

        @Test
        void patternLongerThanBufferAndPartialMatchAtTheEnd() {
            EvBuffer b = oneByteChunks("abca");
            assertThat(b.search(bytes("abcab"))).isEqualTo(-1);
            assertThat(b.search(bytes("ab"), 1)).isEqualTo(-1);
            assertThat(b.search(bytes("ca"))).isEqualTo(2);
        }

        @Test
        void randomizedAgainstStringIndexOf() {
            Random rnd = new Random(20240611L);
            String alphabet = "abc";
            for (int t = 0; t < 2000; t++) {
                int n = rnd.nextInt(41);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                String hay = sb.toString();
                String needle;
                if (n > 0 && rnd.nextBoolean()) {
                    int from = rnd.nextInt(n);
                    needle = hay.substring(from, from + 1 + rnd.nextInt(Math.min(6, n - from)));
                } else {
                    StringBuilder nb = new StringBuilder();
                    int k = 1 + rnd.nextInt(5);
                    for (int i = 0; i < k; i++) {
                        nb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                    }
                    needle = nb.toString();
                }
                int start = rnd.nextInt(n + 3);
                long expected = hay.indexOf(needle, start);
                String what = "case " + t + ": search \"" + needle + "\" in \"" + hay + "\" from " + start;

                EvBuffer single = new EvBuffer();
                single.add(bytes(hay));
                assertThat(single.search(bytes(needle), start)).as(what + " (one chunk)").isEqualTo(expected);
                assertThat(oneByteChunks(hay).search(bytes(needle), start)).as(what + " (1-byte chunks)").isEqualTo(expected);
                assertThat(randomChunks(hay, rnd, 7).search(bytes(needle), start)).as(what + " (random chunks)").isEqualTo(expected);
            }
        }
    }

    // ------------------------------------------------------------------ callbacks

    @Nested
    class Callbacks {

        @Test
        void infoValuesForEveryMutation() {
            EvBuffer b = new EvBuffer();
            Recorder r = new Recorder();
            assertThat(b.addCallback(r)).isSameAs(r);
            b.add(bytes("abc"));
            b.add(ByteBuffer.wrap(bytes("de")));
            b.prepend(bytes("_"));
            b.drain(1);
            b.remove(new byte[2]);
            b.readLine(EolStyle.LF); // no line: nothing
            b.add(bytes("\nx"));
            assertThat(b.readLine(EolStyle.LF)).isEqualTo("cde");
            assertThat(r.calls).containsExactly("0:3:0", "3:2:0", "5:1:0", "6:0:1", "5:0:2", "3:2:0", "5:0:4");
        }

        @Test
        void callbackMayRemoveItselfAndOthersStopBeingCalled() {
            EvBuffer b = new EvBuffer();
            List<String> calls = new ArrayList<>();
            EvBuffer.Callback[] second = new EvBuffer.Callback[1];
            EvBuffer.Callback first = new EvBuffer.Callback() {
                @Override
                public void onChange(EvBuffer buffer, long originalSize, long added, long deleted) {
                    calls.add("first");
                    assertThat(buffer.removeCallback(this)).isTrue();
                    assertThat(buffer.removeCallback(second[0])).isTrue();
                }
            };
            second[0] = (buf, o, a, d) -> calls.add("second");
            EvBuffer.Callback third = (buf, o, a, d) -> calls.add("third");
            b.addCallback(first);
            b.addCallback(second[0]);
            b.addCallback(third);

            b.add(bytes("x"));
            b.add(bytes("y"));
            assertThat(calls).containsExactly("first", "third", "third");
            assertThat(b.removeCallback(first)).isFalse();
        }

        @Test
        void callbackMayChangeTheBuffer() {
            EvBuffer b = new EvBuffer();
            Recorder r = new Recorder();
            r.checkLength = false; // the outer add is reported after the nested drain emptied the buffer
            b.addCallback((buf, o, a, d) -> {
                if (a > 0) {
                    buf.drain(a); // consume whatever arrives
                }
            });
            b.addCallback(r);
            b.add(bytes("abc"));
            assertThat(b.length()).isZero();
            // the nested drain is reported first (recursively), then the outer add
            assertThat(r.calls).containsExactly("3:0:3", "0:3:0");
        }

        @Test
        void hookRunsBeforeCallbacksAndCanBeCleared() {
            EvBuffer b = new EvBuffer();
            List<String> order = new ArrayList<>();
            b.addCallback((buf, o, a, d) -> order.add("cb " + o + ":" + a + ":" + d));
            b.hook((buf, o, a, d) -> order.add("hook " + o + ":" + a + ":" + d));
            b.add(bytes("ab"));
            b.hook(null);
            b.drain(1);
            assertThat(order).containsExactly("hook 0:2:0", "cb 0:2:0", "cb 2:0:1");
        }

        @Test
        void sameCallbackTwiceRunsTwiceAndRemovesOneAtATime() {
            EvBuffer b = new EvBuffer();
            Recorder r = new Recorder();
            b.addCallback(r);
            b.addCallback(r);
            b.add(bytes("a"));
            assertThat(r.calls).hasSize(2);
            assertThat(b.removeCallback(r)).isTrue();
            b.add(bytes("b"));
            assertThat(r.calls).hasSize(3);
            assertThat(b.removeCallback(r)).isTrue();
            assertThat(b.removeCallback(r)).isFalse();
            assertThat(b.removeCallback(null)).isFalse();
            b.add(bytes("c"));
            assertThat(r.calls).hasSize(3);
        }
    }

    // ------------------------------------------------------------------ writeTo

    @Nested
    class WriteTo {

        @Test
        void writesMegabytesThroughAPipeInPieces() throws Exception {
            Random rnd = new Random(11);
            byte[] data = randomBytes(rnd, 5_000_000);
            EvBuffer b = new EvBuffer();
            for (int pos = 0; pos < data.length; ) {
                int k = Math.min(data.length - pos, 1 + rnd.nextInt(20000));
                if (rnd.nextBoolean()) {
                    b.add(data, pos, k);
                } else {
                    b.add(ByteBuffer.wrap(data, pos, k));
                }
                pos += k;
            }
            assertThat(b.length()).isEqualTo(data.length);
            Recorder r = new Recorder();
            b.addCallback(r);

            Pipe pipe = Pipe.open();
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                Future<byte[]> received = reader.submit(() -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    ByteBuffer buf = ByteBuffer.allocate(65536);
                    while (out.size() < data.length) {
                        buf.clear();
                        int n = pipe.source().read(buf);
                        if (n < 0) {
                            break;
                        }
                        out.write(buf.array(), 0, n);
                    }
                    return out.toByteArray();
                });
                ByteBuffer[] scratch = new ByteBuffer[4];
                long sent = 0;
                int calls = 0;
                while (b.length() > 0) {
                    long max = 1 + rnd.nextInt(300_000);
                    long before = b.length();
                    long n = b.writeTo(pipe.sink(), max, scratch);
                    assertThat(n).isPositive().isLessThanOrEqualTo(max);
                    assertThat(b.length()).isEqualTo(before - n);
                    assertThat(scratch).containsOnlyNulls();
                    sent += n;
                    calls++;
                }
                assertThat(sent).isEqualTo(data.length);
                assertThat(r.calls).hasSize(calls);
                assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(data);
            } finally {
                reader.shutdownNow();
                pipe.sink().close();
                pipe.source().close();
            }
        }

        @Test
        void honoursMaxBytesAndScratchLength() throws IOException {
            Pipe pipe = Pipe.open();
            try {
                pipe.source().configureBlocking(false);
                EvBuffer b = chunked("aabbbccccdddddeeeeee", 2, 3, 4, 5, 6);
                ByteBuffer[] scratch = new ByteBuffer[4];

                assertThat(b.writeTo(pipe.sink(), 0, scratch)).isZero();
                assertThat(b.writeTo(pipe.sink(), 3, scratch)).isEqualTo(3);
                assertThat(contents(b)).isEqualTo("bbccccdddddeeeeee");
                // at most scratch.length chunks per call: 2 slots take "bb" and "cccc"
                assertThat(b.writeTo(pipe.sink(), Long.MAX_VALUE, new ByteBuffer[2])).isEqualTo(6);
                assertThat(contents(b)).isEqualTo("dddddeeeeee");
                assertThat(b.writeTo(pipe.sink(), Long.MAX_VALUE, new ByteBuffer[1])).isEqualTo(5);
                assertThat(b.writeTo(pipe.sink(), Long.MAX_VALUE, scratch)).isEqualTo(6);
                assertThat(b.length()).isZero();
                assertThat(b.writeTo(pipe.sink(), 10, scratch)).isZero();

                ByteBuffer in = ByteBuffer.allocate(64);
                pipe.source().read(in);
                in.flip();
                assertThat(str(in)).isEqualTo("aabbbccccdddddeeeeee");
            } finally {
                pipe.sink().close();
                pipe.source().close();
            }
        }

        @Test
        void largerScratchThanNeededAndStaleSlotsCleared() throws IOException {
            CountingChannel sink = new CountingChannel();
            EvBuffer b = chunked("abcdef", 3, 3);
            ByteBuffer[] scratch = new ByteBuffer[8];
            assertThat(b.writeTo(sink, 100, scratch)).isEqualTo(6);
            assertThat(sink.total).isEqualTo(6);
            assertThat(sink.lastCount).isEqualTo(2);
            assertThat(scratch).containsOnlyNulls();
        }

        @Test
        void channelTakingNothingDrainsNothing() throws IOException {
            CountingChannel sink = new CountingChannel();
            sink.accept = false;
            EvBuffer b = chunked("abc", 3);
            Recorder r = new Recorder();
            b.addCallback(r);
            ByteBuffer[] scratch = new ByteBuffer[2];
            assertThat(b.writeTo(sink, 10, scratch)).isZero();
            assertThat(b.length()).isEqualTo(3);
            assertThat(r.calls).isEmpty();
            assertThat(scratch).containsOnlyNulls();
        }

        @Test
        void echoSteadyStateAllocatesNoChunksAndNoMemory() throws IOException {
            ChunkPool pool = new ChunkPool();
            EvBuffer input = new EvBuffer(pool);
            EvBuffer output = new EvBuffer(pool);
            CountingChannel sink = new CountingChannel();
            ByteBuffer[] scratch = new ByteBuffer[4];
            ByteBuffer packet = ByteBuffer.allocate(64);
            byte[] copy = new byte[64];
            Runnable round = () -> {
                packet.clear();
                input.add(packet);
                input.copyOut(copy);
                output.addBuffer(input);
                try {
                    output.writeTo(sink, Long.MAX_VALUE, scratch);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                output.add(copy);
                output.remove(copy);
            };
            for (int i = 0; i < 20_000; i++) { // warm up (and let the JIT settle)
                round.run();
            }
            long created = pool.created();
            com.sun.management.ThreadMXBean mx = threadMxBean();
            long allocatedBefore = mx == null ? 0 : mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                round.run();
            }
            long allocated = mx == null ? 0 : mx.getCurrentThreadAllocatedBytes() - allocatedBefore;
            assertThat(pool.created()).isEqualTo(created);
            assertThat(input.length()).isZero();
            assertThat(output.length()).isZero();
            assertThat(sink.total).isEqualTo(120_000L * 64);
            // 100k rounds: any per-operation allocation would show as megabytes
            assertThat(allocated).as("bytes allocated by 100k echo rounds").isLessThan(64 * 1024);
        }

        @Test
        void allocationMeasurementIsAvailable() {
            assumeTrue(threadMxBean() != null, "no thread allocation accounting on this JVM");
            assertThat(threadMxBean().getCurrentThreadAllocatedBytes()).isPositive();
        }
    }

    /** A channel that takes everything (or nothing) and counts it. */
    static final class CountingChannel implements GatheringByteChannel {
        long total;
        int lastCount;
        boolean accept = true;

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            lastCount = length;
            if (!accept) {
                return 0;
            }
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += srcs[i].remaining();
                srcs[i].position(srcs[i].limit());
            }
            total += n;
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    // ------------------------------------------------------------------ bad arguments

    @Nested
    class BadArguments {

        private final EvBuffer b = chunked("abcdef", 3, 3);

        @Test
        void negativeCounts() {
            assertThatThrownBy(() -> b.drain(-3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("n must be >= 0, was -3");
            assertThatThrownBy(() -> b.removeBuffer(new EvBuffer(), -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("n must be >= 0, was -1");
            assertThatThrownBy(() -> b.search(bytes("a"), -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("start must be >= 0, was -1");
            assertThatThrownBy(() -> b.pullup(-2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("size").hasMessageContaining("-2");
            assertThatThrownBy(() -> b.peek(-2, new ByteBuffer[1])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("len").hasMessageContaining("-2");
            assertThatThrownBy(() -> b.peek(-5)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("len");
            assertThatThrownBy(() -> b.writeTo(new CountingChannel(), -1, new ByteBuffer[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBytes must be >= 0, was -1");
            assertThatThrownBy(() -> b.writeTo(new CountingChannel(), 1, new ByteBuffer[0]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scratch");
            assertThatThrownBy(() -> new ChunkPool(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("capacity must be >= 0, was -1");
            assertThat(contents(b)).isEqualTo("abcdef");
        }

        @Test
        void badOffsetsAndLengths() {
            byte[] four = new byte[4];
            assertThatThrownBy(() -> b.add(four, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("off").hasMessageContaining("len").hasMessageContaining("data.length (4)");
            assertThatThrownBy(() -> b.add(four, 2, 3)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("off=2, len=3");
            assertThatThrownBy(() -> b.prepend(four, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("len=-1");
            assertThatThrownBy(() -> b.remove(four, 3, 2)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("dst.length (4)");
            assertThatThrownBy(() -> b.copyOut(four, Integer.MAX_VALUE, 1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("dst.length");
            assertThat(contents(b)).isEqualTo("abcdef");
        }

        @Test
        void nulls() {
            assertThatThrownBy(() -> b.add((byte[]) null)).isInstanceOf(NullPointerException.class).hasMessageContaining("data");
            assertThatThrownBy(() -> b.add(null, 0, 0)).isInstanceOf(NullPointerException.class).hasMessageContaining("data");
            assertThatThrownBy(() -> b.add((ByteBuffer) null)).isInstanceOf(NullPointerException.class).hasMessageContaining("src");
            assertThatThrownBy(() -> b.prepend(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("data");
            assertThatThrownBy(() -> b.addBuffer(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("src");
            assertThatThrownBy(() -> b.removeBuffer(null, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("dst");
            assertThatThrownBy(() -> b.remove(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("dst");
            assertThatThrownBy(() -> b.copyOut(null, 0, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("dst");
            assertThatThrownBy(() -> b.search(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("what");
            assertThatThrownBy(() -> b.peek(1, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("vecs");
            assertThatThrownBy(() -> b.readLine(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("style");
            assertThatThrownBy(() -> b.readLineBytes(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("style");
            assertThatThrownBy(() -> b.addCallback(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("cb");
            assertThatThrownBy(() -> b.writeTo(null, 1, new ByteBuffer[1])).isInstanceOf(NullPointerException.class).hasMessageContaining("ch");
            assertThatThrownBy(() -> b.writeTo(new CountingChannel(), 1, (ByteBuffer[]) null)).isInstanceOf(NullPointerException.class).hasMessageContaining("scratch");
            assertThatThrownBy(() -> new EvBuffer(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("pool");
            assertThat(contents(b)).isEqualTo("abcdef");
        }
    }
}
