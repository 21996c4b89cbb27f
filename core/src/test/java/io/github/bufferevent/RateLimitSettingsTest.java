package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rate-limit settings without traffic: {@link EvTokenBucketCfg} validation (libevent's
 * test_bufferevent_ratelimit_div_by_zero and _overflow), readLimit()/writeLimit() on a fake
 * clock, minShare, groups and the thread rules.
 */
@Timeout(60)
class RateLimitSettingsTest {

    private static final long TICK = Duration.ofMillis(100).toNanos();

    /** A base whose timers and buckets run on {@code clock}, starting a whole number of ticks in. */
    private static EventBase onClock(AtomicLong clock) {
        clock.set(1_000 * TICK);
        return EventBase.builder().clock(clock::get).build();
    }

    /** Rates and bursts per 100 ms tick. */
    private static EvTokenBucketCfg perTick(long readRate, long readBurst, long writeRate, long writeBurst) {
        return EvTokenBucketCfg.create(readRate, readBurst, writeRate, writeBurst, Duration.ofMillis(100));
    }

    @ParameterizedTest(name = "{0},{1},{2},{3},{4}ms")
    @CsvSource({
        "0,10,10,10,100,readRate must be >= 1 (bytes per tick), was 0",
        "-5,10,10,10,100,readRate must be >= 1",
        "10,9,10,10,100,readBurst must be >= readRate (10)",
        "10,10,0,10,100,writeRate must be >= 1 (bytes per tick), was 0",
        "10,10,10,3,100,writeBurst must be >= writeRate (10)",
        // test_bufferevent_ratelimit_div_by_zero: a zero tick
        "1,1,1,1,0,tick must be in 1 ms..2147483 s (null = 1 s), was PT0S",
        "1,1,1,1,-100,tick must be in 1 ms..",
    })
    void badConfigurationsNameTheArgumentAndTheAllowedRange(long rr, long rb, long wr, long wb, long tickMillis, String message) {
        assertThatThrownBy(() -> EvTokenBucketCfg.create(rr, rb, wr, wb, Duration.ofMillis(tickMillis)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    /** test_bufferevent_ratelimit_overflow: ticks beyond INT_MAX / 1000 seconds are refused, up to it accepted. */
    @Test
    void ticksUpToLibeventsLimitAreAcceptedAndLongerOnesRefused() throws Exception {
        long max = Integer.MAX_VALUE / 1000;
        for (long seconds : new long[] {Long.MAX_VALUE / 1_000_000_000L, 0xFFFFFFFEL, Integer.MAX_VALUE, max + 1}) {
            assertThatThrownBy(() -> EvTokenBucketCfg.create(1, 1, 1, 1, Duration.ofSeconds(seconds)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tick must be in");
        }
        assertThat(EvTokenBucketCfg.create(1, 1, 1, 1, Duration.ofSeconds(max)).tick()).isEqualTo(EvTokenBucketCfg.MAX_TICK);
        assertThat(EvTokenBucketCfg.create(1, 1, 1, 1, Duration.ofSeconds(max - 1)).tick()).hasSeconds(max - 1);
        assertThatThrownBy(() -> EvTokenBucketCfg.create(1, 1, 1, 1, Duration.ofNanos(999_999)))
                .hasMessageContaining("tick must be in 1 ms");
    }

    @Test
    void aNullTickIsOneSecondAndTheGettersGiveBackTheArguments() throws Exception {
        EvTokenBucketCfg cfg = EvTokenBucketCfg.create(100, 400, 200, 800, null);
        assertThat(cfg.tick()).isEqualTo(Duration.ofSeconds(1));
        assertThat(new long[] {cfg.readRate(), cfg.readBurst(), cfg.writeRate(), cfg.writeBurst()}).containsExactly(100, 400, 200, 800);
        assertThat(cfg).isEqualTo(EvTokenBucketCfg.create(100, 400, 200, 800, Duration.ofSeconds(1))).hasSameHashCodeAs(
                EvTokenBucketCfg.create(100, 400, 200, 800, Duration.ofSeconds(1)));
    }

    @Test
    void limitsStartAtTheRateGrowPerTickUpToTheBurstAndAreUnlimitedWithoutAConfiguration() throws Exception {
        AtomicLong clock = new AtomicLong();
        try (EventBase base = onClock(clock)) {
            BufferEvent bev = BufferEvent.socket(base, null);
            assertThat(bev.readLimit()).isEqualTo(Long.MAX_VALUE);
            assertThat(bev.writeLimit()).isEqualTo(Long.MAX_VALUE);

            bev.setRateLimit(perTick(1000, 5000, 2000, 3000));
            assertThat(bev.readLimit()).isEqualTo(1000);
            assertThat(bev.writeLimit()).isEqualTo(2000);
            clock.addAndGet(TICK - 1); // same tick
            assertThat(bev.readLimit()).isEqualTo(1000);
            clock.addAndGet(1); // next tick
            assertThat(bev.readLimit()).isEqualTo(2000);
            assertThat(bev.writeLimit()).isEqualTo(3000); // the write burst
            clock.addAndGet(2 * TICK);
            assertThat(bev.readLimit()).isEqualTo(4000);
            clock.addAndGet(100 * TICK);
            assertThat(bev.readLimit()).isEqualTo(5000); // the read burst

            // Another configuration keeps what the bucket holds, clipped to the new bursts.
            bev.setRateLimit(perTick(10, 2500, 10, 10_000));
            assertThat(bev.readLimit()).isEqualTo(2500);
            assertThat(bev.writeLimit()).isEqualTo(3000);

            bev.setRateLimit(null);
            assertThat(bev.readLimit()).isEqualTo(Long.MAX_VALUE);
            assertThat(bev.writeLimit()).isEqualTo(Long.MAX_VALUE);
            bev.free();
        }
    }

    @Test
    void inAGroupTheLimitIsTheSmallerOfTheOwnBucketAndTheShare() throws Exception {
        AtomicLong clock = new AtomicLong();
        try (EventBase base = onClock(clock)) {
            BevRateLimitGroup group = BevRateLimitGroup.create(base, perTick(1200, 1200, 600, 600));
            BufferEvent a = BufferEvent.socket(base, null);
            BufferEvent b = BufferEvent.socket(base, null);
            a.addToRateLimitGroup(group);
            assertThat(a.readLimit()).isEqualTo(1200);
            b.addToRateLimitGroup(group);
            assertThat(a.readLimit()).isEqualTo(600);
            assertThat(b.writeLimit()).isEqualTo(300);
            b.setRateLimit(perTick(100, 100, 1000, 1000));
            assertThat(b.readLimit()).isEqualTo(100);
            assertThat(b.writeLimit()).isEqualTo(300);
            b.removeFromRateLimitGroup();
            assertThat(b.writeLimit()).isEqualTo(1000);
            assertThat(a.readLimit()).isEqualTo(1200);
            a.free(); // a freed member leaves its group
            b.addToRateLimitGroup(group);
            assertThat(b.writeLimit()).isEqualTo(600);
            group.free();
            assertThat(b.writeLimit()).isEqualTo(1000);
            assertThat(group.isFreed()).isTrue();
            b.free();
        }
    }

    @Test
    void minShareIsTheLeastAMemberGetsCappedAtTheRates() throws Exception {
        AtomicLong clock = new AtomicLong();
        try (EventBase base = onClock(clock)) {
            BevRateLimitGroup group = BevRateLimitGroup.create(base, perTick(1000, 1000, 2000, 2000));
            BufferEvent[] members = new BufferEvent[4];
            for (int i = 0; i < members.length; i++) {
                members[i] = BufferEvent.socket(base, null);
                members[i].addToRateLimitGroup(group);
            }
            assertThat(members[0].readLimit()).isEqualTo(250); // 1000 / 4, above the default 64
            group.setMinShare(400);
            assertThat(members[0].readLimit()).isEqualTo(400);
            assertThat(members[0].writeLimit()).isEqualTo(500); // 2000 / 4 is more
            group.setMinShare(5000);
            assertThat(members[1].readLimit()).isEqualTo(1000); // capped at the smaller rate
            assertThat(members[1].writeLimit()).isEqualTo(1000);
            group.setMinShare(0);
            assertThat(members[2].readLimit()).isEqualTo(250);

            BufferEvent[] many = new BufferEvent[46]; // 50 members: 1000 / 50 = 20, below the default 64
            group.setMinShare(BevRateLimitGroup.DEFAULT_MIN_SHARE);
            for (int i = 0; i < many.length; i++) {
                many[i] = BufferEvent.socket(base, null);
                many[i].addToRateLimitGroup(group);
            }
            assertThat(members[3].readLimit()).isEqualTo(64);
            group.setMinShare(0);
            assertThat(members[3].readLimit()).isEqualTo(20);

            assertThatThrownBy(() -> group.setMinShare(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("minShare must be >= 0 (bytes), was -1");
            group.free();
        }
    }

    @Test
    void setConfigKeepsTheBucketClippedToTheNewBurstAndSharesFollowTheNewRate() throws Exception {
        AtomicLong clock = new AtomicLong();
        try (EventBase base = onClock(clock)) {
            BevRateLimitGroup group = BevRateLimitGroup.create(base, perTick(1000, 8000, 1000, 8000));
            BufferEvent bev = BufferEvent.socket(base, null);
            bev.addToRateLimitGroup(group);
            clock.addAndGet(10 * TICK);
            assertThat(bev.readLimit()).isEqualTo(8000);
            group.setConfig(perTick(500, 3000, 500, 3000));
            assertThat(bev.readLimit()).isEqualTo(3000);
            assertThat(group.config().readRate()).isEqualTo(500);
            group.free();
            assertThatThrownBy(() -> group.setConfig(group.config())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("freed");
            assertThatThrownBy(() -> bev.addToRateLimitGroup(group)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("freed");
            bev.free();
        }
    }

    @Test
    void aGroupOnAnotherBaseIsRefused() throws Exception {
        try (EventBase one = EventBase.create(); EventBase other = EventBase.create()) {
            BevRateLimitGroup group = BevRateLimitGroup.create(other, EvTokenBucketCfg.create(1, 1, 1, 1, null));
            BufferEvent bev = BufferEvent.socket(one, null);
            assertThatThrownBy(() -> bev.addToRateLimitGroup(group)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("group must run on this bufferevent's EventBase");
            assertThatThrownBy(() -> BufferEventFactory.builder(one).rateLimitGroup(group)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("rateLimitGroup must run on the factory's EventBase");
            bev.free();
            group.free();
        }
    }

    @Test
    void foreignThreadsHandSettingsToTheLoopAndWithoutThreadsafeAreRefused() throws Exception {
        try (EventBase base = EventBase.builder().threadName("rl-loop").daemon(true).build().start()) {
            BufferEvent safe = BufferEvent.socket(base, null, BevOption.THREADSAFE);
            BevRateLimitGroup group = BevRateLimitGroup.create(base, EvTokenBucketCfg.create(4000, 4000, 4000, 4000, Duration.ofSeconds(60)));
            safe.setRateLimit(EvTokenBucketCfg.create(3000, 3000, 3000, 3000, Duration.ofSeconds(60)));
            await().atMost(Duration.ofSeconds(10)).until(() -> safe.readLimit() == 3000);
            safe.addToRateLimitGroup(group);
            group.setMinShare(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> safe.readLimit() == 3000 && safe.writeLimit() == 3000);
            group.setConfig(EvTokenBucketCfg.create(1000, 1000, 1000, 1000, Duration.ofSeconds(60)));
            await().atMost(Duration.ofSeconds(10)).until(() -> safe.readLimit() == 1000);
            safe.removeFromRateLimitGroup();
            await().atMost(Duration.ofSeconds(10)).until(() -> safe.readLimit() == 3000);
            safe.setRateLimit(null);
            await().atMost(Duration.ofSeconds(10)).until(() -> safe.readLimit() == Long.MAX_VALUE);

            BufferEvent[] plain = new BufferEvent[1];
            java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(1);
            base.execute(() -> {
                try {
                    plain[0] = BufferEvent.socket(base, null);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                made.countDown();
            });
            assertThat(made.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> plain[0].setRateLimit(EvTokenBucketCfg.create(1, 1, 1, 1, null)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("setRateLimit()");
            assertThatThrownBy(() -> plain[0].addToRateLimitGroup(group))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("addToRateLimitGroup()");
            assertThat(plain[0].readLimit()).isEqualTo(Long.MAX_VALUE); // getters: any thread
            group.free();
            safe.free(); // the plain one goes with the base
        }
    }
}
