package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rate limits on real loopback sockets: libevent's test-ratelim (an echo server whose
 * connections have their own limits and share a group's), and one bufferevent's read and write
 * limits, groups, minShare, live reconfiguration and freeing. Time bounds are lower bounds that a
 * token bucket guarantees (it cannot pay out faster than its ticks) or generous upper bounds for
 * what is not limited; byte bounds are upper bounds the buckets guarantee.
 */
@Timeout(120)
class BufferEventRateLimitTest {

    private static final Duration TICK = Duration.ofMillis(100);
    private static final int SIZE = 200 * 1024;
    private static final int RATE = 10 * 1024;

    // ------------------------------------------------------------------ one bufferevent

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"write", "read"})
    void aLimitSpreadsATransferOverTheTicksAndWithoutOneItIsFast(String direction) throws Exception {
        byte[] data = TestBytes.pattern(SIZE);
        boolean write = direction.equals("write");
        long m = Long.MAX_VALUE;
        EvTokenBucketCfg cfg = write ? EvTokenBucketCfg.create(m, m, RATE, RATE, TICK) : EvTokenBucketCfg.create(RATE, RATE, m, m, TICK);
        AtomicInteger suspended = new AtomicInteger();
        Instrumentation counting = counting(suspended, write ? BevEvent.WRITING : BevEvent.READING);
        long limited = write ? timedWrite(data, bev -> bev.setRateLimit(cfg), counting) : timedRead(data, bev -> bev.setRateLimit(cfg), counting);
        long unlimited = write ? timedWrite(data, bev -> { }, Instrumentation.NOOP) : timedRead(data, bev -> { }, Instrumentation.NOOP);
        // 200 KB at 10 KB a tick: the first 10 KB at once, then one refill per tick for the other 190 KB.
        assertThat(Duration.ofNanos(limited)).isGreaterThanOrEqualTo(Duration.ofMillis(1700));
        assertThat(Duration.ofNanos(unlimited)).isLessThan(Duration.ofMillis(850));
        assertThat(suspended.get()).as("suspensions for bandwidth").isGreaterThanOrEqualTo(10);
    }

    /** As in libevent, a suspended direction has no timeout running: waiting for a refill is not a stall. */
    @Test
    void aWriteTimeoutShorterThanTheTickDoesNotFireWhileTheLimitHoldsWritingBack() throws Exception {
        byte[] data = TestBytes.pattern(3 * 1024);
        long elapsed = timedWrite(data, bev -> {
            bev.setRateLimit(EvTokenBucketCfg.create(Long.MAX_VALUE, Long.MAX_VALUE, 1024, 1024, Duration.ofMillis(600)));
            bev.setTimeouts(null, Duration.ofMillis(300));
        }, Instrumentation.NOOP);
        assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }

    @Test
    void removingTheLimitMidTransferResumesAtOnce() throws Exception {
        byte[] data = TestBytes.pattern(SIZE);
        long[] limitBefore = {1};
        // 1 KB a second would take 200 s; a timer on the loop removes the limit after 300 ms.
        long elapsed = timedWrite(data, bev -> {
            bev.setRateLimit(EvTokenBucketCfg.create(1024, 1024, 1024, 1024, Duration.ofSeconds(1)));
            bev.base().once(Duration.ofMillis(300), () -> {
                limitBefore[0] = bev.writeLimit();
                bev.setRateLimit(null);
            });
        }, Instrumentation.NOOP);
        assertThat(limitBefore[0]).as("the write bucket was spent").isLessThanOrEqualTo(0);
        assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofSeconds(20));
    }

    // ------------------------------------------------------------------ groups

    @Test
    void groupMembersShareOneBucketFairlyAndTheTotalsAddUp() throws Exception {
        int members = 3;
        int each = 60 * 1024;
        int rate = 15 * 1024;
        List<byte[]> received = new CopyOnWriteArrayList<>();
        try (LoopbackPeer server = readingEach(received); EventBase base = EventBase.create()) {
            BevRateLimitGroup group = BevRateLimitGroup.create(base,
                    EvTokenBucketCfg.create(Long.MAX_VALUE, Long.MAX_VALUE, rate, rate, TICK));
            long[] start = {0};
            long[] done = new long[members];
            List<byte[]> sent = new ArrayList<>();
            List<BufferEvent> bevs = new ArrayList<>();
            AtomicInteger connected = new AtomicInteger();
            for (int i = 0; i < members; i++) {
                int id = i;
                byte[] data = new byte[each];
                java.util.Arrays.fill(data, (byte) ('a' + i));
                sent.add(data);
                BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
                bev.addToRateLimitGroup(group);
                bev.setCallbacks(null, b -> {
                    if (b.output().length() == 0 && start[0] != 0) {
                        done[id] = System.nanoTime() - start[0];
                        b.free();
                    }
                }, (b, what) -> {
                    if (what == BevEvent.CONNECTED && connected.incrementAndGet() == members) {
                        start[0] = System.nanoTime(); // all write from now on, at once
                        for (int k = 0; k < members; k++) {
                            bevs.get(k).write(sent.get(k));
                        }
                    } else if (what != BevEvent.CONNECTED) {
                        b.free();
                    }
                });
                bevs.add(bev);
                bev.connect(server.address());
            }
            base.dispatch();

            long last = 0;
            long first = Long.MAX_VALUE;
            for (int i = 0; i < members; i++) {
                assertThat(done[i]).as("member %d drained", i).isPositive();
                assertThat(bevs.get(i).totalWritten()).isEqualTo(each);
                last = Math.max(last, done[i]);
                first = Math.min(first, done[i]);
            }
            assertThat(group.totalWritten()).isEqualTo((long) members * each);
            assertThat(group.totalRead()).isZero();
            // 180 KB through one bucket of 15 KB a tick: 11 refills at least.
            assertThat(Duration.ofNanos(last)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
            // Shared, not served one after the other: the first to finish is not far ahead of the last.
            assertThat(first).as("first finish vs last %s ms", last / 1_000_000).isGreaterThan(last / 2);
            await(received, members);
            assertThat(received).extracting(b -> (char) b[0]).containsExactlyInAnyOrder('a', 'b', 'c');
            for (byte[] r : received) {
                assertThat(r).hasSize(each).isEqualTo(sent.get(r[0] - 'a'));
            }
            group.free();
        }
    }

    @Test
    void setConfigChangesTheGroupRateWhileMembersMove() throws Exception {
        byte[] data = TestBytes.pattern(1 << 20);
        long[] before = {-1};
        BevRateLimitGroup[] group = new BevRateLimitGroup[1];
        // 4 KB a tick would take 25 s for 1 MB; after 500 ms the group gets 1 MB a tick.
        long elapsed = timedWrite(data, bev -> {
            group[0] = BevRateLimitGroup.create(bev.base(), EvTokenBucketCfg.create(4096, 4096, 4096, 4096, TICK));
            bev.addToRateLimitGroup(group[0]);
            bev.base().once(Duration.ofMillis(500), () -> {
                before[0] = group[0].totalWritten();
                group[0].setConfig(EvTokenBucketCfg.create(1 << 20, 1 << 20, 1 << 20, 1 << 20, TICK));
            });
        }, Instrumentation.NOOP);
        // Whatever the machine's speed, the bucket paid at most its rate per tick begun (plus one share).
        long ticks = TimeUnit.MILLISECONDS.toNanos(500) / TICK.toNanos() + 2;
        assertThat(before[0]).isBetween(4096L, 4096 * (ticks + 1));
        assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofSeconds(12));
        assertThat(group[0].totalWritten()).isEqualTo(data.length);
        group[0].free();
    }

    @Test
    void freeingAGroupResumesItsMembers() throws Exception {
        byte[] data = TestBytes.pattern(SIZE);
        BevRateLimitGroup[] group = new BevRateLimitGroup[1];
        long[] limits = {-1, -1};
        // 1 KB a second would take 200 s.
        long elapsed = timedWrite(data, bev -> {
            group[0] = BevRateLimitGroup.create(bev.base(), EvTokenBucketCfg.create(1024, 1024, 1024, 1024, Duration.ofSeconds(1)));
            bev.addToRateLimitGroup(group[0]);
            bev.base().once(Duration.ofMillis(300), () -> {
                limits[0] = bev.writeLimit();
                group[0].free();
                limits[1] = bev.writeLimit();
            });
        }, Instrumentation.NOOP);
        assertThat(limits[0]).as("the member waited for the group").isZero();
        assertThat(limits[1]).as("out of the freed group").isEqualTo(Long.MAX_VALUE);
        assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofSeconds(20));
    }

    // ------------------------------------------------------------------ test-ratelim.c

    /**
     * test-ratelim.c's setup: an echo server whose connections each have a limit and share a
     * group; loud clients keep 8 KB queued and count what comes back. Checked: every client gets
     * data, no connection beats its own bucket, and all together do not beat the group's.
     */
    @ParameterizedTest(name = "connection limit {0}, group limit {1} bytes a tick")
    @CsvSource({"2000, 0", "0, 10000", "3000, 10000"}) // test-ratelim.sh's three runs: -c, -g, -c -g
    void echoServerWithConnectionAndGroupLimitsBoundsEachAndTheSum(long connRate, long groupRate) throws Exception {
        int clients = 5;
        EvTokenBucketCfg connCfg = connRate == 0 ? null : EvTokenBucketCfg.create(connRate, connRate * 4, connRate, connRate * 4, TICK);
        EvTokenBucketCfg groupCfg = groupRate == 0 ? null
                : EvTokenBucketCfg.create(groupRate, groupRate * 4, groupRate, groupRate * 4, TICK);
        try (EventBase base = EventBase.create()) {
            long created = System.nanoTime();
            BevRateLimitGroup group = groupCfg == null ? null : BevRateLimitGroup.create(base, groupCfg);
            List<BufferEvent> served = new ArrayList<>();
            ConnectionListener listener = ConnectionListener.bind(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16,
                    (l, ch, peer) -> {
                        try {
                            BufferEvent bev = BufferEvent.socket(base, ch, BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
                            bev.setCallbacks(b -> { // echo_readcb
                                b.output().addBuffer(b.input());
                                if (b.output().length() > 1_024_000) {
                                    b.disable(Ev.READ);
                                }
                            }, b -> { // echo_writecb
                                if (b.output().length() < 512_000) {
                                    b.enable(Ev.READ);
                                }
                            }, (b, what) -> b.free());
                            bev.setRateLimit(connCfg);
                            if (group != null) {
                                bev.addToRateLimitGroup(group);
                            }
                            bev.enable(Ev.READ | Ev.WRITE);
                            served.add(bev);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            long[] received = new long[clients];
            byte[] loud = new byte[1024];
            List<BufferEvent> bevs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i;
                BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
                BufferEvent.WriteCallback loudWrite = b -> { // loud_writecb
                    while (b.output().length() < 8192) {
                        b.output().add(loud);
                    }
                };
                bev.setCallbacks(b -> { // discard_readcb
                    long n = b.input().length();
                    b.input().drain(n);
                    received[id] += n;
                }, loudWrite, (b, what) -> {
                    if (what == BevEvent.CONNECTED) {
                        loudWrite.onWrite(b);
                    }
                });
                bev.enable(Ev.READ | Ev.WRITE);
                bev.connect(listener.localAddress());
                bevs.add(bev);
            }
            base.loopExit(Duration.ofMillis(1500));
            base.dispatch();
            long elapsed = System.nanoTime() - created;

            long ticks = elapsed / TICK.toNanos() + 2; // every tick begun, and the one the group started in
            long total = 0;
            for (int i = 0; i < clients; i++) {
                assertThat(received[i]).as("client %d got data", i).isPositive();
                if (connRate > 0) {
                    // Each write takes at most what the bucket holds: a connection never overdraws its own.
                    assertThat(received[i]).as("client %d within its connection's bucket", i).isLessThanOrEqualTo(connRate * ticks);
                }
                total += received[i];
            }
            if (group != null) {
                // A member may overdraw the group by one share; every share is at most what the bucket held.
                assertThat(total).as("all within the group's bucket").isLessThanOrEqualTo(groupRate * (ticks + clients));
                assertThat(group.totalWritten()).isGreaterThanOrEqualTo(total);
                assertThat(group.totalRead()).isGreaterThanOrEqualTo(group.totalWritten());
            }
            double average = (double) total / clients;
            for (int i = 0; i < clients; i++) {
                assertThat((double) received[i]).as("client %d's share of %s", i, java.util.Arrays.toString(received))
                        .isGreaterThan(average / 4);
            }
            for (BufferEvent b : bevs) {
                b.free();
            }
            for (BufferEvent b : served) {
                b.free();
            }
            listener.free();
            if (group != null) {
                group.free();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Writes {@code data} to a reading peer; returns the nanoseconds from CONNECTED until the output drained. */
    private static long timedWrite(byte[] data, Consumer<BufferEvent> setup, Instrumentation instrumentation) throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received));
                EventBase base = EventBase.builder().instrumentation(instrumentation).build()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            setup.accept(bev);
            long[] times = new long[2];
            bev.setCallbacks(null, b -> {
                if (b.output().length() == 0 && times[0] != 0) {
                    times[1] = System.nanoTime();
                    b.free();
                }
            }, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    times[0] = System.nanoTime();
                    b.write(data);
                } else {
                    b.free();
                }
            });
            bev.connect(server.address());
            base.dispatch();
            assertThat(times[1]).as("drained, not ended by an event").isPositive();
            assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(data);
            return times[1] - times[0];
        }
    }

    /** Reads what a peer sends until EOF; returns the nanoseconds from CONNECTED until EOF. */
    private static long timedRead(byte[] data, Consumer<BufferEvent> setup, Instrumentation instrumentation) throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending(data));
                EventBase base = EventBase.builder().instrumentation(instrumentation).build()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            setup.accept(bev);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            long[] times = new long[2];
            bev.setCallbacks(b -> {
                byte[] chunk = new byte[(int) b.input().length()];
                b.read(chunk);
                got.write(chunk, 0, chunk.length);
            }, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    times[0] = System.nanoTime();
                } else {
                    times[1] = (what & BevEvent.EOF) != 0 ? System.nanoTime() : -1;
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());
            base.dispatch();
            assertThat(times[1]).as("EOF").isPositive();
            assertThat(got.toByteArray()).isEqualTo(data);
            return times[1] - times[0];
        }
    }

    private static Instrumentation counting(AtomicInteger count, int direction) {
        return new Instrumentation() {
            @Override
            public void rateLimitSuspended(BufferEvent bev, int what) {
                assertThat(what).isEqualTo(direction);
                count.incrementAndGet();
            }
        };
    }

    /** A peer that reads each connection to EOF and keeps what it got. */
    private static LoopbackPeer readingEach(List<byte[]> received) throws java.io.IOException {
        return LoopbackPeer.start((s, in, out) -> {
            try (s) {
                received.add(s.getInputStream().readAllBytes());
            }
        });
    }

    private static void await(List<byte[]> received, int n) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == n);
    }
}
