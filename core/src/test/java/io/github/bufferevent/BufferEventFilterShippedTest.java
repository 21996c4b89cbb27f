package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.filter.DeflateFilter;
import io.github.bufferevent.filter.InflateFilter;
import io.github.bufferevent.filter.LineLengthFilter;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The filters in {@code io.github.bufferevent.filter}, end to end over loopback sockets. */
@Timeout(60)
class BufferEventFilterShippedTest {

    private static final int CHUNK = 64 * 1024;

    @Test
    void deflateOnOneSideAndInflateOnTheOtherCarryFourMegabytesOfRandomDataIntact() throws Exception {
        byte[] data = new byte[4 << 20];
        new SplittableRandom(11).nextBytes(data);
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        try (EventBase base = EventBase.create()) {
            List<Integer> serverEvents = new CopyOnWriteArrayList<>();
            long[] receivedBytes = new long[1];
            byte[] buf = new byte[CHUNK];
            ConnectionListener listener = ConnectionListener.bind(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16,
                    (l, ch, peer) -> {
                        BufferEvent in = BufferEvent.filter(socket(base, ch), new InflateFilter(), null, BevOption.CLOSE_ON_FREE);
                        in.setCallbacks(b -> {
                            int n;
                            while ((n = b.input().remove(buf)) > 0) {
                                received.update(buf, 0, n);
                                receivedBytes[0] += n;
                            }
                        }, null, (b, what) -> {
                            serverEvents.add(what);
                            b.free();
                            l.free();
                        });
                        in.enable(Ev.READ);
                    });
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            sock.setWatermark(Ev.WRITE, 0, 256 * 1024); // the deflate filter waits while the socket holds this much
            BufferEvent out = BufferEvent.filter(sock, null, new DeflateFilter(1), BevOption.CLOSE_ON_FREE);
            AtomicInteger offset = new AtomicInteger();
            AtomicBoolean finished = new AtomicBoolean();
            out.setCallbacks(null, b -> {
                int off = offset.get();
                if (off < data.length) {
                    b.write(data, off, Math.min(CHUNK, data.length - off));
                    offset.addAndGet(CHUNK);
                } else if (finished.compareAndSet(false, true)) {
                    b.flush(Ev.WRITE, BevFlush.FINISHED);
                }
            }, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.write(data, 0, CHUNK);
                    offset.set(CHUNK);
                }
            });
            out.connect(listener.localAddress());

            base.dispatch();
            assertThat(serverEvents).containsExactly(BevEvent.EOF | BevEvent.READING);
            assertThat(receivedBytes[0]).isEqualTo(data.length);
            assertThat(received.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
            assertThat(sock.totalWritten()).as("zlib framing on the wire").isGreaterThan(data.length);
            out.free();
        }
    }

    @Test
    void flushPushesEverythingWrittenSoFarThroughDeflateFromTheLoopAndFromAnotherThread() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start((s, peerIn, peerOut) -> {
            try (s) {
                InputStream in = new InflaterInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                for (String reply : List.of("ok1\n", "ok2\n")) {
                    readLine(in);
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                in.transferTo(OutputStream.nullOutputStream());
            }
        }); EventBase base = EventBase.builder().threadName("zlib-loop").daemon(true).build().start()) {
            BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE), null,
                    new DeflateFilter(), BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            CompletableFuture<List<String>> replies = new CompletableFuture<>();
            List<String> got = new ArrayList<>();
            CountDownLatch connected = new CountDownLatch(1);
            bev.setCallbacks(b -> {
                String line;
                while ((line = b.input().readLine(EolStyle.LF)) != null) {
                    got.add(line);
                    if (got.size() == 1) {
                        b.write("second\n".getBytes(StandardCharsets.US_ASCII));
                        b.flush(Ev.WRITE, BevFlush.FLUSH); // on the loop thread
                    } else {
                        replies.complete(List.copyOf(got));
                    }
                }
            }, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    connected.countDown();
                } else {
                    replies.completeExceptionally(new AssertionError("event " + BevEvent.toString(what)));
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());
            assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
            bev.write("first\n".getBytes(StandardCharsets.US_ASCII));
            bev.flush(Ev.WRITE, BevFlush.FLUSH); // from this thread, while the loop runs

            // Each reply comes only after the peer inflated the whole line: no FINISHED was needed.
            assertThat(replies.get(10, TimeUnit.SECONDS)).containsExactly("ok1", "ok2");
            bev.free();
        }
    }

    /** One line read byte by byte (a Reader would block: InflaterInputStream.available() says 1 until the end). */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.write(c);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void writesFromManyThreadsThroughAThreadsafeDeflateFilterArriveWholeAndInOrder() throws Exception {
        int threads = 4;
        int records = 500;
        CompletableFuture<byte[]> inflated = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                inflated.complete(new InflaterInputStream(s.getInputStream()).readAllBytes());
            }
        }); EventBase base = EventBase.builder().threadName("zlib-loop").daemon(true).build().start()) {
            BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE), null,
                    new DeflateFilter(), BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            bev.connect(server.address());
            TogetherThreads.run(threads, "zlib-writer", id -> {
                for (int i = 0; i < records; i++) {
                    bev.write(String.format("T%d:%04d:%s%n", id, i, "z".repeat(i % 97)).getBytes(StandardCharsets.US_ASCII));
                }
            });
            bev.flush(Ev.WRITE, BevFlush.FINISHED); // from this thread: the trailer, then EOF

            String[] lines = new String(inflated.get(30, TimeUnit.SECONDS), StandardCharsets.US_ASCII).split("\n");
            assertThat(lines).hasSize(threads * records);
            int[] next = new int[threads];
            for (String line : lines) {
                String[] parts = line.split(":", -1);
                assertThat(parts).as("a whole record: %s", line).hasSize(3);
                int thread = Integer.parseInt(parts[0].substring(1));
                int seq = Integer.parseInt(parts[1]);
                assertThat(seq).as("order of thread %d", thread).isEqualTo(next[thread]++);
                assertThat(parts[2]).isEqualTo("z".repeat(seq % 97));
            }
            bev.free();
        }
    }

    @Test
    void aGracefulShutdownWritesTheDeflateTrailerBeforeTheEof() throws Exception {
        byte[] data = TestBytes.pattern(300_000);
        CompletableFuture<byte[]> inflated = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                inflated.complete(new InflaterInputStream(s.getInputStream()).readAllBytes());
            }
        })) {
            EventBase base = EventBase.builder().threadName("zlib-loop").daemon(true).build().start();
            BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE), null,
                    new DeflateFilter(), BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            CountDownLatch drained = new CountDownLatch(1);
            bev.setCallbacks(null, b -> drained.countDown(), null);
            bev.connect(server.address());
            bev.write(data);
            // Wait until the filter's own output is empty: the deflater still owes its trailer.
            assertThat(drained.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(base.shutdownGracefully(Duration.ofSeconds(10))).isTrue();
            assertThat(inflated.get(10, TimeUnit.SECONDS)).as("a complete zlib stream (no EOFException)").isEqualTo(data);
        }
    }

    @Test
    void aStreamCutShortIsErrorReadingAtTheEofAndGarbageIsErrorReadingAtOnce() throws Exception {
        try (LoopbackPeer cut = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                DeflaterOutputStream z = new DeflaterOutputStream(s.getOutputStream(), new Deflater(), true);
                z.write("hello\n".getBytes(StandardCharsets.US_ASCII));
                z.flush(); // a sync flush: "hello" can be inflated, but the stream never ends
            }
        }); LoopbackPeer garbage = LoopbackPeer.start(PeerBehavior.sending("this is not zlib".getBytes(StandardCharsets.US_ASCII)));
                EventBase base = EventBase.create()) {
            List<String> cutEvents = new CopyOnWriteArrayList<>();
            List<String> garbageEvents = new CopyOnWriteArrayList<>();
            List<String> lines = new CopyOnWriteArrayList<>();
            BufferEvent a = readingLines(base, cut, new InflateFilter(), cutEvents, lines);
            BufferEvent b = readingLines(base, garbage, new InflateFilter(), garbageEvents, lines);

            base.dispatch();
            assertThat(lines).containsExactly("hello");
            assertThat(cutEvents).containsExactly("CONNECTED", "READING|ERROR, 0 bytes held");
            assertThat(garbageEvents).containsExactly("CONNECTED", "READING|ERROR, 0 bytes held");
            assertThat(a.socketError()).hasMessageContaining("InflateFilter");
            assertThat(b.socketError()).hasMessageContaining("InflateFilter");
        }
    }

    @Test
    void theLineLengthGuardPassesShortLinesAndFailsReadingBeforeALongOnesRestArrives() throws Exception {
        String sent = "short\r\nline two\n" + "y".repeat(300) + "\nafter\n";
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending(sent.getBytes(StandardCharsets.US_ASCII))); EventBase base = EventBase.create()) {
            List<String> events = new CopyOnWriteArrayList<>();
            List<String> lines = new CopyOnWriteArrayList<>();
            BufferEvent bev = readingLines(base, server, new LineLengthFilter(100), events, lines);

            base.dispatch();
            assertThat(lines).containsExactly("short", "line two");
            assertThat(events).as("at most 100 bytes of the long line got through")
                    .containsExactly("CONNECTED", "READING|ERROR, 100 bytes held");
            assertThat(bev.socketError()).hasMessageContaining("LineLengthFilter(maxLength=100, eol=CRLF)");
        }
    }

    /**
     * A filter bufferevent with {@code input} as its input filter, connected to {@code server},
     * reading lines (LF, with an optional CR); each event is recorded, with the bytes left in the
     * input, and any but CONNECTED frees it.
     */
    private static BufferEvent readingLines(EventBase base, LoopbackPeer server, BevFilter input, List<String> events, List<String> lines)
            throws IOException {
        BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE), input, null,
                BevOption.CLOSE_ON_FREE);
        bev.setCallbacks(b -> {
            String line;
            while ((line = b.input().readLine(EolStyle.CRLF)) != null) {
                lines.add(line);
            }
        }, null, (b, what) -> {
            if (what == BevEvent.CONNECTED) {
                events.add("CONNECTED");
                return;
            }
            events.add(BevEvent.toString(what) + ", " + b.input().length() + " bytes held");
            b.free();
        });
        bev.enable(Ev.READ);
        bev.connect(server.address());
        return bev;
    }

    private static BufferEvent socket(EventBase base, java.nio.channels.SocketChannel ch) {
        try {
            return BufferEvent.socket(base, ch, BevOption.CLOSE_ON_FREE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
