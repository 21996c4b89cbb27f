package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Pair bufferevents: ports of libevent's test_bufferevent_pair, _pair_flush_*, _pair_watermarks, and what DESIGN.md adds. */
@Timeout(60)
class BufferEventPairTest {

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** test_bufferevent_pair: 8333 bytes one way; read and write callbacks; partners; free unlinks. */
    @Test
    void bytesWrittenOnOneSideArriveInTheOther() {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            BufferEvent bev1 = pair[0];
            BufferEvent bev2 = pair[1];
            assertThat(bev1.pairPartner()).isSameAs(bev2);
            assertThat(bev2.pairPartner()).isSameAs(bev1);
            assertThat(bev1.channel()).isNull();
            assertThat(bev1.isConnected()).isTrue();
            List<String> calls = new ArrayList<>();
            EvBuffer received = new EvBuffer();
            bev1.setCallbacks(b -> calls.add("read1"), b -> {
                if (b.output().length() == 0) {
                    calls.add("write1 drained");
                }
            }, (b, what) -> calls.add("event1 " + BevEvent.toString(what)));
            bev2.setCallbacks(b -> {
                if (b.input().length() == 8333) {
                    b.readBuffer(received);
                    b.disable(Ev.READ);
                    calls.add("read2 all");
                }
            }, null, (b, what) -> calls.add("event2 " + BevEvent.toString(what)));
            bev1.disable(Ev.READ);
            bev2.enable(Ev.READ);
            assertThat(bev1.enabled()).isEqualTo(Ev.WRITE);
            assertThat(bev2.enabled()).isEqualTo(Ev.WRITE | Ev.READ);

            bev1.write(pattern(8333));
            base.dispatch();

            assertThat(calls).containsExactlyInAnyOrder("read2 all", "write1 drained");
            byte[] got = new byte[8333];
            assertThat(received.remove(got)).isEqualTo(8333);
            assertThat(got).isEqualTo(pattern(8333));
            assertThat(bev1.totalWritten()).isEqualTo(8333);
            assertThat(bev2.totalRead()).isEqualTo(8333);

            bev2.free();
            assertThat(bev1.pairPartner()).isNull();
            bev1.free();
        }
    }

    /** test_bufferevent_pair_flush_{normal,flush,finished}: only FINISHED tells the partner EOF. */
    @ParameterizedTest
    @EnumSource(BevFlush.class)
    void flushModes(BevFlush mode) {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            List<String> events = new ArrayList<>();
            AtomicInteger delivered = new AtomicInteger();
            pair[1].setCallbacks(b -> delivered.addAndGet((int) b.readBuffer(new EvBuffer())), null,
                    (b, what) -> events.add(BevEvent.toString(what)));
            pair[1].enable(Ev.READ);
            pair[0].write(pattern(8333));
            assertThat(pair[0].flush(Ev.WRITE, mode)).isEqualTo(1);
            base.dispatch();
            assertThat(delivered).hasValue(8333);
            if (mode == BevFlush.FINISHED) {
                assertThat(events).containsExactly(BevEvent.toString(BevEvent.EOF | BevEvent.READING));
                assertThatThrownBy(() -> pair[0].write(new byte[1])).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("FINISHED");
                pair[1].write("still open the other way".getBytes(StandardCharsets.US_ASCII)); // half-close
            } else {
                assertThat(events).isEmpty();
            }
        }
    }

    /** FLUSH and FINISHED move everything at once, past the receiver's high watermark and while it does not read. */
    @Test
    void finishedMovesEverythingEvenPastTheHighWatermark() {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            pair[1].setWatermark(Ev.READ, 0, 100);
            pair[0].write(pattern(5000));
            pair[0].flush(Ev.WRITE, BevFlush.FINISHED);
            assertThat(pair[1].input().length()).isEqualTo(5000);
            assertThat(pair[0].output().length()).isZero();
        }
    }

    /** test_bufferevent_pair_watermarks: reads of 10..20 bytes, write callback only at <= 100 left. */
    @Test
    void watermarksBoundEachTransferAndTheCallbacks() {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            BufferEvent bev1 = pair[0];
            BufferEvent bev2 = pair[1];
            List<Long> readSizes = new ArrayList<>();
            List<Long> writeCallbackOutput = new ArrayList<>();
            AtomicInteger total = new AtomicInteger();
            bev1.setCallbacks(null, b -> writeCallbackOutput.add(b.output().length()), null);
            bev2.setCallbacks(b -> {
                long len = b.input().length();
                readSizes.add(len);
                total.addAndGet((int) b.readBuffer(new EvBuffer()));
                if (total.get() == 65000) {
                    b.disable(Ev.READ);
                }
            }, null, null);
            bev1.disable(Ev.READ);
            bev2.enable(Ev.READ);
            bev2.setWatermark(Ev.READ, 10, 20);
            bev1.setWatermark(Ev.WRITE, 100, 2000);

            bev1.write(pattern(65000));
            base.dispatch();

            assertThat(total).hasValue(65000);
            assertThat(readSizes).isNotEmpty().allSatisfy(n -> assertThat(n).isBetween(10L, 20L));
            assertThat(writeCallbackOutput).isNotEmpty().allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(100L));
            assertThat(writeCallbackOutput).contains(0L);
        }
    }

    /** What the receiver cannot take yet waits in the sender's output, and moves once the receiver drains. */
    @Test
    void whatTheReceiverCannotTakeWaitsInTheSendersOutput() {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            pair[1].setWatermark(Ev.READ, 0, 100);
            pair[1].enable(Ev.READ);
            pair[0].write(pattern(1000));
            base.loop(EventBase.LOOP_NONBLOCK);
            assertThat(pair[1].input().length()).isEqualTo(100);
            assertThat(pair[0].output().length()).isEqualTo(900);
            assertThat(pair[0].bufferedOutput()).isEqualTo(900);

            pair[1].input().drain(100);
            base.loop(EventBase.LOOP_NONBLOCK);
            assertThat(pair[1].input().length()).isEqualTo(100);
            assertThat(pair[0].output().length()).isEqualTo(800);
        }
    }

    /** Freeing one side: the partner hears EOF|READING, and its pairPartner() is already null then. */
    @Test
    void freeingOneSideGivesThePartnerEof() {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            AtomicReference<String> seen = new AtomicReference<>();
            pair[1].setCallbacks(null, null, (b, what) -> seen.set(BevEvent.toString(what) + " partner=" + b.pairPartner()));
            pair[1].enable(Ev.READ);
            pair[0].free();
            base.dispatch();
            assertThat(seen.get()).isEqualTo(BevEvent.toString(BevEvent.EOF | BevEvent.READING) + " partner=null");
            assertThat(pair[1].enabled() & Ev.READ).isZero();
        }
    }

    @Test
    void aPairIsNotASocket() {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            assertThatThrownBy(() -> pair[0].connect(new InetSocketAddress("127.0.0.1", 9)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not a socket");
            assertThat(pair[0].remoteAddress()).isNull();
            assertThat(pair[0].toString()).contains("pair");
        }
    }

    /** The generic read timeout works on a pair: nothing arrives, so TIMEOUT|READING. */
    @Test
    void readTimeout() {
        try (EventBase base = EventBase.create()) {
            BufferEvent[] pair = BufferEvent.pair(base);
            List<Integer> events = new ArrayList<>();
            pair[1].setCallbacks(null, null, (b, what) -> events.add(what));
            pair[1].setTimeouts(Duration.ofMillis(50), null);
            pair[1].enable(Ev.READ);
            base.dispatch();
            assertThat(events).containsExactly(BevEvent.TIMEOUT | BevEvent.READING);
            assertThat(pair[1].enabled() & Ev.READ).isZero();
        }
    }

    /** THREADSAFE pairs from two threads at once: each side's records arrive whole and in order on the other. */
    @Test
    void threadsafePairFromTwoThreads() throws Exception {
        int records = 20_000;
        try (EventBase base = EventBase.builder().threadName("pair-loop").daemon(true).build().start()) {
            BufferEvent[] pair = BufferEvent.pair(base, BevOption.THREADSAFE);
            List<ByteArrayOutputStream> received = List.of(new ByteArrayOutputStream(), new ByteArrayOutputStream());
            CountDownLatch done = new CountDownLatch(2);
            long expected = 0;
            for (int i = 0; i < records; i++) {
                expected += record(0, i).length;
            }
            long perSide = expected;
            for (int side = 0; side < 2; side++) {
                ByteArrayOutputStream sink = received.get(side);
                pair[side].setCallbacks(b -> {
                    byte[] chunk = new byte[(int) b.input().length()];
                    b.input().remove(chunk);
                    sink.write(chunk, 0, chunk.length);
                    if (sink.size() == perSide) {
                        done.countDown();
                    }
                }, null, null);
                pair[side].enable(Ev.READ);
            }
            CyclicBarrier start = new CyclicBarrier(2);
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            for (int side = 0; side < 2; side++) {
                int id = side;
                Thread t = new Thread(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                        for (int i = 0; i < records; i++) {
                            pair[id].write(record(id, i));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                t.start();
                writers.add(t);
            }
            for (Thread t : writers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertThat(failures).isEmpty();
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            for (int side = 0; side < 2; side++) {
                String text = received.get(side).toString(StandardCharsets.US_ASCII);
                String[] lines = text.split("\n");
                assertThat(lines).hasSize(records);
                for (int i = 0; i < records; i++) {
                    assertThat(lines[i]).isEqualTo(new String(record(1 - side, i), StandardCharsets.US_ASCII).trim());
                }
            }
            pair[0].free();
            await().atMost(Duration.ofSeconds(5)).until(() -> pair[1].pairPartner() == null);
        }
    }

    private static byte[] record(int side, int i) {
        return String.format("side%d:%06d:%s%n", side, i, "x".repeat(i % 64)).getBytes(StandardCharsets.US_ASCII);
    }
}
