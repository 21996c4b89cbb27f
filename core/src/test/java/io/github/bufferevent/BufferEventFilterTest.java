package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.filter.DeflateFilter;
import io.github.bufferevent.filter.InflateFilter;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Filter bufferevents over real loopback sockets: libevent's {@code test_bufferevent_filters} and
 * {@code _disable}, and each rule of {@code bufferevent_filter.c} we keep.
 */
@Timeout(30)
class BufferEventFilterTest {

    /** libevent's {@code bufferevent_output_filter}: an 'x' before each byte. */
    static final BevFilter ADD_X = (src, dst, limit, mode) -> {
        byte[] in = new byte[(int) src.length()];
        src.remove(in);
        byte[] out = new byte[in.length * 2];
        for (int i = 0; i < in.length; i++) {
            out[2 * i] = 'x';
            out[2 * i + 1] = in[i];
        }
        dst.add(out);
        return BevFilterResult.OK;
    };

    /** libevent's {@code bufferevent_input_filter}: takes the 'x' off each pair (an odd last byte waits). */
    static final BevFilter STRIP_X = (src, dst, limit, mode) -> {
        byte[] in = new byte[(int) (src.length() & ~1L)];
        src.remove(in);
        byte[] out = new byte[in.length / 2];
        for (int i = 0; i < out.length; i++) {
            if (in[2 * i] != 'x') {
                return BevFilterResult.ERROR;
            }
            out[i] = in[2 * i + 1];
        }
        dst.add(out);
        return BevFilterResult.OK;
    };

    static byte[] withX(byte[] data) {
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        src.add(data);
        ADD_X.filter(src, dst, Long.MAX_VALUE, BevFlush.NORMAL);
        byte[] out = new byte[(int) dst.length()];
        dst.remove(out);
        return out;
    }

    @Test
    void theOutputFilterAddsAnXBeforeEachByteAndThePeersInputFilterTakesItOff() throws Exception {
        byte[] sent = TestBytes.pattern(8333);
        try (EventBase base = EventBase.create()) {
            BufferEvent[] socks = SocketPair.bufferEvents(base);
            BufferEvent bev1 = BufferEvent.filter(socks[0], null, ADD_X, BevOption.CLOSE_ON_FREE);
            BufferEvent bev2 = BufferEvent.filter(socks[1], STRIP_X, null, BevOption.CLOSE_ON_FREE);
            assertThat(bev1.underlying()).isSameAs(socks[0]);
            assertThat(bev2.underlying()).isSameAs(socks[1]);
            assertThat(socks[0].underlying()).isNull();
            assertThat(bev1.channel()).isSameAs(socks[0].channel()).isNotNull();
            assertThat(bev1.isConnected()).isTrue();
            assertThat(bev1.toString()).contains("filter");

            List<Integer> events = new CopyOnWriteArrayList<>();
            AtomicInteger drained = new AtomicInteger();
            EvBuffer got = new EvBuffer();
            bev1.setCallbacks(null, b -> {
                if (b.output().length() == 0) {
                    drained.incrementAndGet();
                }
            }, (b, what) -> events.add(what));
            bev2.setCallbacks(b -> {
                if (b.input().length() == sent.length) {
                    b.readBuffer(got);
                    b.disable(Ev.READ);
                    bev1.free();
                    bev2.free();
                }
            }, null, (b, what) -> events.add(what));
            bev1.disable(Ev.READ);
            bev2.enable(Ev.READ);
            bev1.write(sent);

            base.dispatch();
            assertThat(events).isEmpty();
            assertThat(drained.get()).isEqualTo(1);
            byte[] bytes = new byte[(int) got.length()];
            got.remove(bytes);
            assertThat(bytes).isEqualTo(sent);
            assertThat(socks[0].isFreed()).as("CLOSE_ON_FREE frees the underlying").isTrue();
            assertThat(socks[1].isFreed()).isTrue();
        }
    }

    /** libevent's {@code test_bufferevent_filters_disable}: a write from inside the output filter. */
    @Test
    void aWriteFromInsideTheOutputFilterDoesNotRunItAgainAndItsLaterErrorIsErrorWriting() throws Exception {
        byte[] sent = TestBytes.pattern(8333);
        try (EventBase base = EventBase.create()) {
            BufferEvent[] socks = SocketPair.bufferEvents(base);
            BufferEvent[] self = new BufferEvent[1];
            AtomicInteger calls = new AtomicInteger();
            AtomicBoolean reentered = new AtomicBoolean();
            BevFilter output = (src, dst, limit, mode) -> {
                if (calls.incrementAndGet() > 1) {
                    return BevFilterResult.ERROR;
                }
                ADD_X.filter(src, dst, limit, mode);
                self[0].write("-".getBytes(StandardCharsets.US_ASCII));
                reentered.set(calls.get() != 1);
                return BevFilterResult.OK;
            };
            BufferEvent bev1 = BufferEvent.filter(socks[0], null, output, BevOption.CLOSE_ON_FREE);
            self[0] = bev1;
            BufferEvent bev2 = BufferEvent.filter(socks[1], STRIP_X, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events1 = new CopyOnWriteArrayList<>();
            List<Integer> events2 = new CopyOnWriteArrayList<>();
            AtomicLong received = new AtomicLong();
            bev1.setCallbacks(null, null, (b, what) -> events1.add(what));
            bev2.setCallbacks(b -> {
                if (b.input().length() == sent.length) {
                    received.set(b.input().length());
                    bev1.free();
                    bev2.free();
                }
            }, null, (b, what) -> events2.add(what));
            bev2.enable(Ev.READ);
            bev1.write(sent);

            base.dispatch();
            assertThat(reentered).as("the filter ran again inside its own write").isFalse();
            assertThat(calls.get()).isEqualTo(2);
            assertThat(events1).containsExactly(BevEvent.ERROR | BevEvent.WRITING);
            assertThat(bev1.socketError()).hasMessageContaining("output filter");
            assertThat(bev1.enabled() & Ev.WRITE).isZero();
            assertThat(events2).isEmpty();
            assertThat(received.get()).as("what the first call filtered still arrived").isEqualTo(sent.length);
        }
    }

    @Test
    void needMoreWaitsForTheRestOfAFrameBeforeTheReadCallbackRuns() throws Exception {
        byte[] first = frame(100);
        byte[] second = frame(300);
        CountDownLatch neededMore = new CountDownLatch(1);
        try (LoopbackPeer server = LoopbackPeer.start((s, peerIn, peerOut) -> {
            try (s) {
                OutputStream out = s.getOutputStream();
                out.write(first);
                out.write(second, 0, 150);
                out.flush();
                try {
                    neededMore.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException("interrupted");
                }
                out.write(second, 150, second.length - 150);
                out.flush();
            }
        }); EventBase base = EventBase.create()) {
            // Frames: a two-byte big-endian length, then the payload; the filter passes payloads.
            BevFilter frames = (src, dst, limit, mode) -> {
                byte[] header = new byte[2];
                if (src.copyOut(header) < 2 || src.length() < 2 + len(header)) {
                    neededMore.countDown();
                    return BevFilterResult.NEED_MORE;
                }
                src.drain(2);
                src.removeBuffer(dst, len(header));
                return BevFilterResult.OK;
            };
            BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE), frames, null,
                    BevOption.CLOSE_ON_FREE);
            List<Long> seen = new CopyOnWriteArrayList<>();
            List<Integer> events = new CopyOnWriteArrayList<>();
            bev.setCallbacks(b -> {
                seen.add(b.input().length());
                b.input().drain(b.input().length());
            }, null, (b, what) -> {
                events.add(what);
                if ((what & BevEvent.EOF) != 0) {
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());

            base.dispatch();
            assertThat(neededMore.getCount()).isZero();
            assertThat(seen).as("input lengths at each read callback: whole payloads only").allMatch(n -> n == 100 || n == 300 || n == 400);
            assertThat(seen.stream().mapToLong(Long::longValue).sum()).isEqualTo(400);
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.EOF | BevEvent.READING);
        }
    }

    private static byte[] frame(int n) {
        byte[] f = new byte[n + 2];
        f[0] = (byte) (n >>> 8);
        f[1] = (byte) n;
        System.arraycopy(TestBytes.pattern(n), 0, f, 2, n);
        return f;
    }

    private static int len(byte[] header) {
        return (header[0] & 0xff) << 8 | header[1] & 0xff;
    }

    @Test
    void anInputFilterErrorIsErrorReadingAfterTheBytesBeforeIt() throws Exception {
        BevFilter upToBang = (src, dst, limit, mode) -> {
            long bang = src.search("!".getBytes(StandardCharsets.US_ASCII));
            src.removeBuffer(dst, bang < 0 ? src.length() : bang);
            return bang < 0 ? BevFilterResult.OK : BevFilterResult.ERROR;
        };
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending("abc!def".getBytes(StandardCharsets.US_ASCII))); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE), upToBang, null,
                    BevOption.CLOSE_ON_FREE);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            List<Integer> events = new CopyOnWriteArrayList<>();
            AtomicInteger enabledAtError = new AtomicInteger(-1);
            bev.setCallbacks(b -> got.writeBytes(SlowReader.drain(b)), null, (b, what) -> {
                events.add(what);
                if ((what & BevEvent.ERROR) != 0) {
                    enabledAtError.set(b.enabled());
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());

            base.dispatch();
            assertThat(got.toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.ERROR | BevEvent.READING);
            assertThat(enabledAtError.get() & Ev.READ).as("reading disabled before the callback").isZero();
            assertThat(bev.socketError()).hasMessageContaining("input filter").hasMessageContaining("returned ERROR");
        }
    }

    @Test
    void anOutputFilterErrorIsErrorWritingAndAFilterThatThrowsIsAnErrorWithItsCause() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        IllegalStateException boom = new IllegalStateException("boom");
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BevFilter throwing = (src, dst, limit, mode) -> {
                throw boom;
            };
            BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE), null, throwing,
                    BevOption.CLOSE_ON_FREE);
            List<Integer> events = new CopyOnWriteArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                if (what == BevEvent.CONNECTED) {
                    b.write("data".getBytes(StandardCharsets.US_ASCII));
                } else {
                    b.free();
                }
            });
            bev.connect(server.address());

            base.dispatch();
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.ERROR | BevEvent.WRITING);
            assertThat(bev.socketError()).hasMessageContaining("output filter").hasCause(boom);
            assertThat(received.get(10, TimeUnit.SECONDS)).as("nothing got through").isEmpty();
        }
    }

    @Test
    void closeOnFreeFreesTheUnderlyingAndThePeerSeesEof() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent bev = BufferEvent.filter(sock, null, null, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(null, null, (b, what) -> b.free());
            bev.connect(server.address());

            base.dispatch();
            assertThat(sock.isFreed()).isTrue();
            assertThat(received.get(10, TimeUnit.SECONDS)).isEmpty();
            assertThat(base.liveBufferEvents()).isZero();
        }
    }

    @Test
    void withoutCloseOnFreeTheUnderlyingIsHandedBackAndReadsOnItsOwn() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent bev = BufferEvent.filter(sock, null, null);
            CompletableFuture<String> echoed = new CompletableFuture<>();
            bev.setCallbacks(null, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.free(); // reading was never enabled on the filter: the underlying's reading was suspended
                    assertThat(sock.isFreed()).isFalse();
                    sock.setCallbacks(s -> {
                        if (s.input().length() == 4) {
                            echoed.complete(new String(SlowReader.drain(s), StandardCharsets.US_ASCII));
                            s.free();
                        }
                    }, null, null);
                    sock.enable(Ev.READ);
                    sock.write("ping".getBytes(StandardCharsets.US_ASCII));
                }
            });
            bev.connect(server.address());

            base.dispatch();
            assertThat(echoed.get(1, TimeUnit.SECONDS)).isEqualTo("ping");
        }
    }

    @Test
    void connectOnTheFilterConnectsTheUnderlyingAndItsEventsArePassedUp() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending("hello".getBytes(StandardCharsets.US_ASCII))); EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent bev = BufferEvent.filter(sock, PASS, null, BevOption.CLOSE_ON_FREE);
            assertThat(bev.isConnected()).isFalse();
            List<Integer> events = new CopyOnWriteArrayList<>();
            List<Boolean> connectedAtConnected = new CopyOnWriteArrayList<>();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            bev.setCallbacks(b -> got.writeBytes(SlowReader.drain(b)), null, (b, what) -> {
                events.add(what);
                if (what == BevEvent.CONNECTED) {
                    connectedAtConnected.add(b.isConnected());
                    assertThat(b.remoteAddress()).isEqualTo(server.address());
                } else {
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());
            assertThat(bev.channel()).isSameAs(sock.channel()).isNotNull();

            base.dispatch();
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.EOF | BevEvent.READING);
            assertThat(connectedAtConnected).containsExactly(true);
            assertThat(got.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        }
    }

    /** A pass-through filter of the user's own. */
    private static final BevFilter PASS = (src, dst, limit, mode) -> {
        src.removeBuffer(dst, limit);
        return BevFilterResult.OK;
    };

    @Test
    void connectHostnameOnTheFilterAndARefusedConnectAreReportedOnTheFilter() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        HostResolver resolver = host -> CompletableFuture.completedFuture(List.of(lo));
        int closed = LoopbackPeer.closedPort();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.builder().resolver(resolver).build()) {
            BufferEvent byName = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE), null, null,
                    BevOption.CLOSE_ON_FREE);
            BufferEvent refused = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE), null, null,
                    BevOption.CLOSE_ON_FREE);
            List<Integer> byNameEvents = new CopyOnWriteArrayList<>();
            List<Integer> refusedEvents = new CopyOnWriteArrayList<>();
            byName.setCallbacks(null, null, (b, what) -> {
                byNameEvents.add(what);
                b.free();
            });
            refused.setCallbacks(null, null, (b, what) -> {
                refusedEvents.add(what);
                assertThat(b.isConnected()).isFalse();
                b.free();
            });
            byName.connectHostname("peer.example", server.port());
            refused.connect(new InetSocketAddress(lo, closed));

            base.dispatch();
            assertThat(byNameEvents).containsExactly(BevEvent.CONNECTED);
            assertThat(refusedEvents).containsExactly(BevEvent.ERROR);
            assertThat(refused.socketError()).isNotNull();
        }
    }

    @Test
    void theUnderlyingsTimeoutIsPassedUpAndEnablingTheFilterAgainEnablesTheUnderlyingToo() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                s.getInputStream().read(); // silent until the client closes
            }
        }); EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            sock.setTimeouts(Duration.ofMillis(300), null);
            BufferEvent bev = BufferEvent.filter(sock, null, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new CopyOnWriteArrayList<>();
            List<Integer> filterEnabled = new CopyOnWriteArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                if ((what & BevEvent.TIMEOUT) != 0) {
                    filterEnabled.add(b.enabled() & Ev.READ);
                    if (events.size() == 2) {
                        b.enable(Ev.READ); // again: the underlying reads (and times out) again
                    } else {
                        b.free();
                    }
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());

            base.dispatch();
            int timeout = BevEvent.TIMEOUT | BevEvent.READING;
            assertThat(events).containsExactly(BevEvent.CONNECTED, timeout, timeout);
            assertThat(filterEnabled).as("reading disabled before each callback").containsExactly(0, 0);
        }
    }

    @Test
    void theFiltersOwnReadTimeoutStartsWhenTheUnderlyingConnects() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                s.getInputStream().read(); // silent until the client closes
            }
        }); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.filter(BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE), null, null, BevOption.CLOSE_ON_FREE);
            bev.setTimeouts(Duration.ofMillis(300), null);
            List<Integer> events = new CopyOnWriteArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                if (what != BevEvent.CONNECTED) {
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());

            base.dispatch();
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.TIMEOUT | BevEvent.READING);
        }
    }

    @Test
    void theFiltersConnectTimeoutGivesTheUnderlyingsConnectUp() throws Exception {
        List<InetAddress> lo = List.of(InetAddress.getLoopbackAddress());
        CompletableFuture<List<InetAddress>> slow = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.builder().resolver(host -> host.equals("slow.example")
                ? slow : CompletableFuture.completedFuture(lo)).build()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent bev = BufferEvent.filter(sock, null, null, BevOption.CLOSE_ON_FREE);
            bev.setConnectTimeout(Duration.ofMillis(300));
            List<Integer> events = new CopyOnWriteArrayList<>();
            List<Integer> underlyingWriting = new CopyOnWriteArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                if (what == (BevEvent.TIMEOUT | BevEvent.WRITING)) {
                    assertThat(sock.isConnected()).isFalse();
                    b.enable(Ev.WRITE);
                    b.connectHostname("fast.example", server.port()); // the underlying is free to connect again
                } else {
                    underlyingWriting.add(sock.enabled() & Ev.WRITE);
                    b.free();
                    slow.complete(lo); // too late: the connect it was for was given up
                }
            });
            bev.connectHostname("slow.example", server.port());

            base.dispatch();
            assertThat(events).containsExactly(BevEvent.TIMEOUT | BevEvent.WRITING, BevEvent.CONNECTED);
            assertThat(underlyingWriting).as("the underlying writes again").containsExactly(Ev.WRITE);
        }
    }

    @Test
    void aFilterOverAFilterAppliesBothInOrderBothWays() throws Exception {
        byte[] sent = TestBytes.pattern(100_000);
        try (EventBase base = EventBase.create()) {
            BufferEvent[] socks = SocketPair.bufferEvents(base);
            BufferEvent sock1 = socks[0];
            BufferEvent sock2 = socks[1];
            // Sender: the top adds 'x's, the one below compresses. Receiver: inflate, then take the 'x's off.
            BufferEvent mid1 = BufferEvent.filter(sock1, null, new DeflateFilter(), BevOption.CLOSE_ON_FREE);
            BufferEvent top1 = BufferEvent.filter(mid1, null, ADD_X, BevOption.CLOSE_ON_FREE);
            BufferEvent mid2 = BufferEvent.filter(sock2, new InflateFilter(), null, BevOption.CLOSE_ON_FREE);
            BufferEvent top2 = BufferEvent.filter(mid2, STRIP_X, null, BevOption.CLOSE_ON_FREE);
            assertThat(top1.underlying()).isSameAs(mid1);
            assertThat(mid1.underlying()).isSameAs(sock1);
            assertThat(top1.channel()).isSameAs(sock1.channel());

            ByteArrayOutputStream got = new ByteArrayOutputStream();
            List<Integer> events = new CopyOnWriteArrayList<>();
            top2.setCallbacks(b -> got.writeBytes(SlowReader.drain(b)), null, (b, what) -> {
                events.add(what);
                b.free();
                top1.free();
            });
            top2.enable(Ev.READ);
            top1.write(sent);
            top1.flush(Ev.WRITE, BevFlush.FINISHED);

            base.dispatch();
            assertThat(events).containsExactly(BevEvent.EOF | BevEvent.READING);
            assertThat(got.toByteArray()).isEqualTo(sent);
            assertThat(sock1.totalWritten()).as("compressed on the wire").isLessThan(sent.length);
            assertThat(sock1.isFreed() && sock2.isFreed() && mid1.isFreed() && mid2.isFreed()).isTrue();
        }
    }

    @Test
    void finishedThroughAFilterOverASocketDeliversEveryByteThenEof() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        byte[] data = TestBytes.pattern(1 << 20);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent bev = BufferEvent.filter(sock, null, ADD_X, BevOption.CLOSE_ON_FREE);
            bev.connect(server.address());
            bev.write(data); // before the connection completes
            assertThat(bev.flush(Ev.WRITE, BevFlush.FINISHED)).isEqualTo(1);
            assertThatThrownBy(() -> bev.write(new byte[1])).isInstanceOf(IllegalStateException.class).hasMessageContaining("FINISHED");

            assertThat(base.dispatch()).isEqualTo(1);
            // readAllBytes() only returns at EOF: every byte, then EOF.
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(withX(data));
            assertThat(bev.totalWritten()).isEqualTo(data.length);
            assertThat(sock.totalWritten()).isEqualTo(2L * data.length);
            bev.free();
        }
    }

    @Test
    void theFiltersReadHighWatermarkSuspendsTheUnderlyingUntilTheInputIsDrained() throws Exception {
        byte[] sent = TestBytes.pattern(100_000);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending(sent)); EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent bev = BufferEvent.filter(sock, null, null, BevOption.CLOSE_ON_FREE);
            bev.setWatermark(Ev.READ, 0, 1000);
            AtomicLong maxSeen = new AtomicLong();
            AtomicLong maxUnderlying = new AtomicLong();
            AtomicInteger suspendedWhenFull = new AtomicInteger();
            AtomicInteger readingWhenFull = new AtomicInteger();
            // The read callback never drains: only the timer does, so the filter's input stops at
            // the high watermark, and the underlying must stop reading until the timer drains it.
            SlowReader reader = SlowReader.every(Duration.ofMillis(2), bev);
            bev.setCallbacks(b -> {
                maxSeen.accumulateAndGet(b.input().length(), Math::max);
                maxUnderlying.accumulateAndGet(sock.input().length(), Math::max);
                if (b.input().length() >= 1000) {
                    (sock.flow.readActive() ? readingWhenFull : suspendedWhenFull).incrementAndGet();
                }
            }, null, reader::takeRestAtEof);
            bev.enable(Ev.READ);
            bev.connect(server.address());

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(maxSeen.get()).isEqualTo(1000);
            assertThat(suspendedWhenFull.get()).isPositive();
            assertThat(readingWhenFull.get()).as("times the underlying read on while the filter was full").isZero();
            assertThat(maxUnderlying.get()).isLessThanOrEqualTo(BufferEvent.DEFAULT_MAX_SINGLE_READ);
            assertThat(reader.bytes()).isEqualTo(sent);
        }
    }

    @Test
    void theUnderlyingsWriteHighWatermarkIsTheOutputFiltersLimit() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        byte[] data = TestBytes.pattern(300_000);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            sock.setWatermark(Ev.WRITE, 0, 4096);
            List<Long> limits = new CopyOnWriteArrayList<>();
            AtomicLong maxQueued = new AtomicLong();
            BevFilter recording = (src, dst, limit, mode) -> {
                limits.add(limit);
                src.removeBuffer(dst, limit);
                maxQueued.accumulateAndGet(dst.length(), Math::max);
                return BevFilterResult.OK;
            };
            BufferEvent bev = BufferEvent.filter(sock, null, recording, BevOption.CLOSE_ON_FREE);
            bev.write(data);
            bev.setCallbacks(null, b -> {
                if (b.output().length() == 0) {
                    b.flush(Ev.WRITE, BevFlush.FINISHED);
                }
            }, null);
            bev.connect(server.address());

            base.dispatch();
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(data);
            assertThat(maxQueued.get()).isLessThanOrEqualTo(4096);
            assertThat(limits.subList(0, limits.size() - 1)).as("NORMAL calls").allMatch(l -> l > 0 && l <= 4096);
            assertThat(limits.get(limits.size() - 1)).as("the FINISHED call has no limit").isEqualTo(Long.MAX_VALUE);
            bev.free();
        }
    }

    @Test
    void aThreadsafeFilterSharesTheLockOfAThreadsafeUnderlying() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent sock = BufferEvent.socket(base, null, BevOption.THREADSAFE);
            BufferEvent bev = BufferEvent.filter(sock, null, null, BevOption.THREADSAFE);
            AtomicInteger readByOther = new AtomicInteger(-1);
            Thread other = new Thread(() -> readByOther.set(sock.read(new byte[1])), "other");
            bev.lock();
            try {
                other.start(); // read() takes the underlying's lock: the one this thread holds
                await().atMost(Duration.ofSeconds(10)).until(() -> other.getState() == Thread.State.WAITING
                        || other.getState() == Thread.State.TERMINATED);
                assertThat(other.getState()).as("the other thread waits for the shared lock").isEqualTo(Thread.State.WAITING);
            } finally {
                bev.unlock();
            }
            other.join(10_000);
            assertThat(readByOther.get()).isZero();
            bev.free();
            sock.free();
        }
    }

    @Test
    void creatingAFilterChecksItsArguments() throws Exception {
        try (EventBase base = EventBase.create()) {
            assertThatThrownBy(() -> BufferEvent.filter(null, null, null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("underlying");
            BufferEvent sock = BufferEvent.socket(base, null);
            assertThatThrownBy(() -> BufferEvent.filter(sock, null, null, (BevOption) null)).isInstanceOf(NullPointerException.class);
            sock.free();
            assertThatThrownBy(() -> BufferEvent.filter(sock, null, null)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("freed");
            BufferEvent fresh = BufferEvent.socket(base, null);
            BufferEvent bev = BufferEvent.filter(fresh, null, null);
            assertThat(bev.enabled()).isEqualTo(Ev.WRITE);
            bev.free();
            assertThat(fresh.isFreed()).as("no CLOSE_ON_FREE").isFalse();
            fresh.free();
        }
    }
}
