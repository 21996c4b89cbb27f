package io.github.bufferevent;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EventBaseTest {

    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
    private static final long MS = 1_000_000L;

    private final List<EventBase> bases = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void closeEverything() throws InterruptedException {
        for (EventBase base : bases) {
            base.close();
        }
        for (Thread t : threads) {
            t.join(5_000);
            assertThat(t.isAlive()).as("test thread %s ended", t.getName()).isFalse();
        }
    }

    private EventBase track(EventBase base) {
        bases.add(base);
        return base;
    }

    private EventBase newBase() {
        return track(EventBase.create());
    }

    private Thread startThread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    /** Runs {@code base.loop(flags)} on a new thread and returns once the loop has run a task. */
    private CompletableFuture<Integer> loopInBackground(EventBase base, int flags) throws InterruptedException {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        CountDownLatch running = new CountDownLatch(1);
        base.execute(running::countDown);
        startThread("test-loop", () -> {
            try {
                result.complete(base.loop(flags));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        assertThat(running.await(5, SECONDS)).as("the background loop started").isTrue();
        return result;
    }

    /** Waits until every task handed over so far has run (the loop must be running elsewhere). */
    private static void roundTrip(EventBase base) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        base.execute(done::countDown);
        assertThat(done.await(5, SECONDS)).as("round trip through the loop").isTrue();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / MS;
    }

    // ------------------------------------------------------------------ dispatch / loop flags

    @Test
    void dispatchOnAFreshBaseReturnsOneAtOnce() {
        EventBase base = newBase();
        long start = System.nanoTime();
        assertThat(base.dispatch()).isEqualTo(1);
        assertThat(millisSince(start)).isLessThan(5_000);
        assertThat(base.gotExit()).isFalse();
        assertThat(base.gotBreak()).isFalse();
        assertThat(base.loopThread()).as("no loop thread once dispatch returned").isNull();
    }

    @Test
    void loopNonblockDoesNotWaitForAFutureTimer() {
        EventBase base = newBase();
        AtomicBoolean timerRan = new AtomicBoolean();
        AtomicBoolean taskRan = new AtomicBoolean();
        base.once(Duration.ofHours(1), () -> timerRan.set(true));
        base.execute(() -> taskRan.set(true));

        long start = System.nanoTime();
        assertThat(base.loop(EventBase.LOOP_NONBLOCK)).isZero();
        assertThat(millisSince(start)).isLessThan(5_000);
        assertThat(taskRan).as("what was ready ran").isTrue();
        assertThat(timerRan).isFalse();

        // Nothing ready at all: still returns at once.
        start = System.nanoTime();
        assertThat(base.loop(EventBase.LOOP_NONBLOCK)).isZero();
        assertThat(millisSince(start)).isLessThan(5_000);
        assertThat(timerRan).isFalse();
    }

    @Test
    void loopOnceWaitsForOneTimerRunsItAndReturns() {
        EventBase base = newBase();
        List<String> ran = new ArrayList<>();
        base.once(Duration.ofMillis(200), () -> ran.add("first"));
        base.once(Duration.ofHours(1), () -> ran.add("later"));
        long start = System.nanoTime();
        assertThat(base.loop(EventBase.LOOP_ONCE)).isZero();
        assertThat(millisSince(start)).isBetween(150L, 5_000L);
        assertThat(ran).containsExactly("first");
    }

    @Test
    void invalidLoopFlagsThrowNamingTheValue() {
        EventBase base = newBase();
        assertThatThrownBy(() -> base.loop(0x08)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x8");
        assertThatThrownBy(() -> base.loop(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0xffffffff");
        assertThatThrownBy(() -> base.loop(EventBase.LOOP_ONCE | 0x40))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x41");
        // The base is still usable.
        assertThat(base.dispatch()).isEqualTo(1);
    }

    @Test
    void aSecondConcurrentDispatchThrows() throws Exception {
        EventBase base = newBase();
        CompletableFuture<Integer> first = loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        assertThatThrownBy(base::dispatch).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running")
                .hasMessageContaining("test-loop");
        assertThatThrownBy(() -> base.loop(EventBase.LOOP_NONBLOCK)).isInstanceOf(IllegalStateException.class);
        assertThat(first).isNotDone();
        base.loopBreak();
        assertThat(first.get(5, SECONDS)).isZero();
    }

    @Test
    void loopOnAClosedBaseThrows() {
        EventBase base = newBase();
        base.close();
        assertThat(base.isClosed()).isTrue();
        assertThatThrownBy(base::dispatch).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> base.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    // ------------------------------------------------------------------ once / timers

    @Test
    void onceRunsOnTheLoopThreadAfterRoughlyTheDelay() {
        EventBase base = newBase();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicLong ranAfter = new AtomicLong(-1);
        AtomicBoolean inLoop = new AtomicBoolean();
        long start = System.nanoTime();
        base.once(Duration.ofMillis(200), () -> {
            ranOn.set(Thread.currentThread());
            inLoop.set(base.inLoopThread());
            ranAfter.set(millisSince(start));
        });
        assertThat(base.dispatch()).as("nothing left after the only timer").isEqualTo(1);
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(inLoop).isTrue();
        assertThat(ranAfter.get()).isBetween(150L, 5_000L);
    }

    @Test
    void timersRunInDeadlineOrderAndDispatchReturnsOneAfterTheLast() {
        EventBase base = newBase();
        List<String> order = new ArrayList<>();
        base.once(Duration.ofMillis(300), () -> order.add("300"));
        base.once(Duration.ofMillis(100), () -> order.add("100"));
        base.once(Duration.ZERO, () -> order.add("0"));
        base.once(Duration.ofMillis(200), () -> order.add("200"));
        base.once(Duration.ofMillis(100), () -> order.add("100b"));
        long start = System.nanoTime();
        assertThat(base.dispatch()).isEqualTo(1);
        assertThat(millisSince(start)).isBetween(250L, 5_000L);
        assertThat(order).containsExactly("0", "100", "100b", "200", "300");
    }

    @Test
    void onceFromAnotherThreadRunsOnTheLoopThread() throws Exception {
        EventBase base = newBase();
        loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        long start = System.nanoTime();
        base.once(Duration.ofMillis(200), () -> {
            ranOn.set(Thread.currentThread());
            ran.countDown();
        });
        assertThat(ran.await(5, SECONDS)).isTrue();
        assertThat(millisSince(start)).isGreaterThanOrEqualTo(150L);
        assertThat(ranOn.get().getName()).isEqualTo("test-loop");
    }

    @Test
    void onceRejectsNegativeDelay() {
        EventBase base = newBase();
        assertThatThrownBy(() -> base.once(Duration.ofMillis(-1), () -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay").hasMessageContaining("-0.001");
        assertThatThrownBy(() -> base.loopExit(Duration.ofSeconds(-2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay");
    }

    @Test
    void aThrowingTaskOrTimerDoesNotStopTheLoop() {
        EventBase base = newBase();
        AtomicBoolean later = new AtomicBoolean();
        AtomicBoolean afterTask = new AtomicBoolean();
        base.once(Duration.ZERO, () -> {
            throw new IllegalStateException("timer boom (expected by the test)");
        });
        base.execute(() -> {
            throw new IllegalStateException("task boom (expected by the test)");
        });
        base.execute(() -> afterTask.set(true));
        base.once(Duration.ofMillis(100), () -> later.set(true));
        assertThat(base.dispatch()).isEqualTo(1);
        assertThat(afterTask).isTrue();
        assertThat(later).isTrue();
    }

    // ------------------------------------------------------------------ loopExit

    @Test
    void loopExitWithDelayEndsDispatchWithGotExit() {
        EventBase base = newBase();
        AtomicBoolean farTimer = new AtomicBoolean();
        base.once(Duration.ofHours(1), () -> farTimer.set(true));
        base.loopExit(Duration.ofMillis(200));
        long start = System.nanoTime();
        assertThat(base.dispatch()).isZero();
        assertThat(millisSince(start)).isBetween(150L, 5_000L);
        assertThat(base.gotExit()).isTrue();
        assertThat(base.gotBreak()).isFalse();
        assertThat(farTimer).isFalse();
    }

    @Test
    void loopExitNullBeforeDispatchExitsAfterTheFirstTurn() {
        EventBase base = newBase();
        base.once(Duration.ofHours(1), () -> { });
        base.loopExit(null);
        long start = System.nanoTime();
        assertThat(base.dispatch()).isZero();
        assertThat(millisSince(start)).isLessThan(5_000);
        assertThat(base.gotExit()).isTrue();
        assertThat(base.gotBreak()).isFalse();
    }

    @Test
    void loopExitNullInACallbackLetsTheOtherDueCallbacksRun() {
        EventBase base = newBase();
        List<String> ran = new ArrayList<>();
        base.once(Duration.ofHours(1), () -> ran.add("far"));
        base.once(Duration.ZERO, () -> {
            ran.add("first");
            base.loopExit(null);
        });
        base.once(Duration.ZERO, () -> ran.add("second"));
        long start = System.nanoTime();
        assertThat(base.dispatch()).isZero();
        assertThat(millisSince(start)).isLessThan(5_000);
        assertThat(base.gotExit()).isTrue();
        assertThat(ran).as("unlike loopBreak, loopExit lets the active callbacks run").containsExactly("first", "second");
    }

    @Test
    void gotExitIsClearedWhenTheNextLoopStarts() {
        EventBase base = newBase();
        base.loopExit(null);
        base.once(Duration.ofHours(1), () -> { });
        assertThat(base.dispatch()).isZero();
        assertThat(base.gotExit()).isTrue();
        assertThat(base.loop(EventBase.LOOP_NONBLOCK)).isZero();
        assertThat(base.gotExit()).isFalse();
    }

    @Test
    void anExitThatFiredInALoopEndedByABreakDoesNotEndTheNextLoop() {
        AtomicLong fake = new AtomicLong(0);
        EventBase base = track(EventBase.builder().clock(fake::get).build());
        base.loopExit(Duration.ofMillis(10)); // due at 10 ms, scheduled first
        base.once(Duration.ofMillis(10), base::loopBreak); // same deadline: runs right after it
        fake.set(10 * MS);
        assertThat(base.dispatch()).isZero();
        assertThat(base.gotBreak()).isTrue();

        // As libevent, the next loop starts with neither flag: the stale exit must not end it.
        AtomicBoolean ran = new AtomicBoolean();
        base.once(Duration.ZERO, () -> ran.set(true));
        assertThat(base.dispatch()).as("runs the timer, then finds nothing left").isEqualTo(1);
        assertThat(ran).isTrue();
        assertThat(base.gotExit()).isFalse();
        assertThat(base.gotBreak()).isFalse();
    }

    // ------------------------------------------------------------------ loopBreak

    @Test
    void loopBreakInATimerStopsBeforeTheNextDueTimer() {
        EventBase base = newBase();
        List<String> ran = new ArrayList<>();
        base.once(Duration.ZERO, () -> {
            ran.add("first");
            base.loopBreak();
        });
        base.once(Duration.ZERO, () -> ran.add("second"));
        assertThat(base.dispatch()).isZero();
        assertThat(base.gotBreak()).isTrue();
        assertThat(base.gotExit()).isFalse();
        assertThat(ran).containsExactly("first");

        // The second timer is still pending and runs in the next loop.
        assertThat(base.dispatch()).isEqualTo(1);
        assertThat(ran).containsExactly("first", "second");
        assertThat(base.gotBreak()).isFalse();
    }

    @Test
    void loopBreakInATaskStopsBeforeTheNextTask() {
        EventBase base = newBase();
        List<String> ran = new ArrayList<>();
        base.execute(() -> {
            ran.add("first");
            base.loopBreak();
        });
        base.execute(() -> ran.add("second"));
        assertThat(base.dispatch()).isZero();
        assertThat(base.gotBreak()).isTrue();
        assertThat(ran).containsExactly("first");
        assertThat(base.pendingTasks()).isEqualTo(1);
    }

    @Test
    void loopBreakRunsNoWriteCallbackAndTheNextLoopWritesWhatWasQueued() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        byte[] hello = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received))) {
            EventBase base = newBase();
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<String> ran = new ArrayList<>();
            bev.setCallbacks(null, b -> {
                ran.add("write");
                b.flush(Ev.WRITE, BevFlush.FINISHED);
            }, (b, what) -> {
                ran.add("event " + what);
                if (what == BevEvent.CONNECTED) {
                    b.write(hello); // queued for the end-of-turn flush
                    base.loopBreak();
                }
            });
            bev.connect(server.address());

            assertThat(base.dispatch()).isZero();
            assertThat(base.gotBreak()).isTrue();
            assertThat(ran).as("libevent runs nothing after the break").containsExactly("event " + BevEvent.CONNECTED);
            assertThat(bev.output().length()).as("the output waits for the next loop").isEqualTo(hello.length);

            // Nothing is lost: the next loop writes what the break held back.
            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(ran).containsExactly("event " + BevEvent.CONNECTED, "write");
            assertThat(received.get(5, SECONDS)).isEqualTo(hello);
        }
    }

    @Test
    void loopBreakWithLoopOnceIsReportedByGotBreak() {
        EventBase base = newBase();
        base.once(Duration.ofHours(1), () -> { });
        base.execute(base::loopBreak);
        assertThat(base.loop(EventBase.LOOP_ONCE)).isZero();
        assertThat(base.gotBreak()).isTrue();
    }

    @Test
    void aBreakRequestedWhileNoLoopRunsIsForgotten() {
        EventBase base = newBase();
        base.loopBreak();
        AtomicBoolean ran = new AtomicBoolean();
        base.once(Duration.ZERO, () -> ran.set(true));
        assertThat(base.dispatch()).isEqualTo(1);
        assertThat(ran).isTrue();
        assertThat(base.gotBreak()).isFalse();
    }

    @Test
    void loopBreakFromAnotherThreadEndsANoExitOnEmptyLoop() throws Exception {
        EventBase base = newBase();
        CompletableFuture<Integer> result = loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        assertThat(result).isNotDone();
        base.loopBreak();
        assertThat(result.get(5, SECONDS)).isZero();
        assertThat(base.gotBreak()).isTrue();
        assertThat(base.gotExit()).isFalse();
    }

    @Test
    void loopExitFromAnotherThreadEndsANoExitOnEmptyLoop() throws Exception {
        EventBase base = newBase();
        CompletableFuture<Integer> result = loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        assertThat(result).isNotDone();
        long start = System.nanoTime();
        base.loopExit(Duration.ofMillis(200));
        assertThat(result.get(5, SECONDS)).isZero();
        assertThat(millisSince(start)).isGreaterThanOrEqualTo(150L);
        assertThat(base.gotExit()).isTrue();
        assertThat(base.gotBreak()).isFalse();
    }

    /**
     * A clock that, once armed, parks the loop thread inside {@code select()} right before it
     * publishes that it is going to sleep: the narrowest window for a lost wakeup.
     */
    private static final class GateClock implements LongSupplier {
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch inWindow = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public long getAsLong() {
            if (armed.compareAndSet(true, false)) {
                inWindow.countDown();
                try {
                    release.await(10, SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return System.nanoTime();
        }
    }

    @Test
    void loopBreakIsNotLostWhenItComesAsTheLoopGoesToSleep() throws Exception {
        GateClock clock = new GateClock();
        EventBase base = track(EventBase.builder().clock(clock).build());
        base.once(Duration.ofHours(1), () -> { }); // select() reads the clock for its timeout
        CompletableFuture<Integer> result = loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        // The next clock read on the loop thread is the one in select(), after the top-of-loop
        // check for a break and before the loop publishes that it sleeps.
        base.execute(() -> clock.armed.set(true));
        assertThat(clock.inWindow.await(5, SECONDS)).isTrue();
        base.loopBreak();
        clock.release.countDown();
        assertThat(result.get(5, SECONDS)).as("the loop must not sleep through the break (1 h timer)").isZero();
        assertThat(base.gotBreak()).isTrue();
    }

    @Test
    void closeFromAnotherThreadIsNotLostWhenItComesAsTheLoopGoesToSleep() throws Exception {
        GateClock clock = new GateClock();
        EventBase base = track(EventBase.builder().clock(clock).build());
        base.once(Duration.ofHours(1), () -> { });
        CompletableFuture<Integer> result = loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        base.execute(() -> clock.armed.set(true));
        assertThat(clock.inWindow.await(5, SECONDS)).isTrue();
        Thread closer = startThread("closer", base::close);
        // close() has asked and is now waiting for the loop to return.
        await().atMost(FIVE_SECONDS).until(() -> closer.getState() == Thread.State.TIMED_WAITING
                || !closer.isAlive());
        clock.release.countDown();
        assertThat(result.get(5, SECONDS)).isZero();
        closer.join(5_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(base.isClosed()).isTrue();
    }

    // ------------------------------------------------------------------ execute

    @Test
    void executeFromAnotherThreadRunsOnTheLoopThreadInSubmissionOrder() throws Exception {
        EventBase base = newBase();
        loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        int n = 10_000;
        List<Integer> seen = new ArrayList<>(n); // touched by the loop thread only
        AtomicInteger notInLoop = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            base.execute(() -> {
                if (!base.inLoopThread() || !Thread.currentThread().getName().equals("test-loop")) {
                    notInLoop.incrementAndGet();
                }
                seen.add(id);
                all.countDown();
            });
        }
        assertThat(base.inLoopThread()).isFalse();
        assertThat(all.await(10, SECONDS)).as("all %d tasks ran", n).isTrue();
        roundTrip(base); // publishes seen to this thread
        assertThat(notInLoop).hasValue(0);
        assertThat(seen).hasSize(n);
        for (int i = 0; i < n; i++) {
            if (seen.get(i) != i) {
                throw new AssertionError("task " + seen.get(i) + " ran at position " + i);
            }
        }
    }

    @Test
    void executeFromFourThreadsRunsEveryTaskExactlyOnce() throws Exception {
        EventBase base = newBase();
        loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        int producers = 4;
        int perProducer = 2_500;
        int[][] runs = new int[producers][perProducer]; // loop thread only
        int[] last = {-1, -1, -1, -1};
        AtomicInteger outOfOrder = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(producers * perProducer);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            started.add(startThread("producer-" + p, () -> {
                try {
                    go.await(5, SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    int seq = i;
                    base.execute(() -> {
                        runs[producer][seq]++;
                        if (seq <= last[producer]) {
                            outOfOrder.incrementAndGet();
                        }
                        last[producer] = seq;
                        all.countDown();
                    });
                }
            }));
        }
        go.countDown();
        assertThat(all.await(10, SECONDS)).isTrue();
        for (Thread t : started) {
            t.join(5_000);
        }
        roundTrip(base); // a duplicate run would have shown up by now
        assertThat(outOfOrder).as("each producer's tasks run in its order").hasValue(0);
        for (int p = 0; p < producers; p++) {
            for (int i = 0; i < perProducer; i++) {
                if (runs[p][i] != 1) {
                    throw new AssertionError("task " + i + " of producer " + p + " ran " + runs[p][i] + " times");
                }
            }
        }
        assertThat(base.pendingTasks()).isZero();
    }

    @Test
    void aThousandTasksReachASleepingLoopPromptly() throws Exception {
        EventBase base = newBase();
        loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        // Let the loop go to sleep in select(): nothing pending and no turn in progress.
        await().atMost(FIVE_SECONDS).until(() -> base.pendingTasks() == 0 && base.currentTurnNanos() == 0);
        CountDownLatch all = new CountDownLatch(1_000);
        long start = System.nanoTime();
        for (int i = 0; i < 1_000; i++) {
            base.execute(all::countDown);
        }
        assertThat(all.await(5, SECONDS)).as("all tasks ran").isTrue();
        assertThat(millisSince(start)).isLessThan(5_000);
    }

    @Test
    void tasksHandedOverBeforeTheLoopRunAreCountedThenRun() {
        EventBase base = newBase();
        assertThat(base.pendingTasks()).isZero();
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 7; i++) {
            base.execute(ran::incrementAndGet);
        }
        assertThat(ran).as("execute never runs the task inline").hasValue(0);
        assertThat(base.pendingTasks()).isEqualTo(7);
        assertThat(base.loop(EventBase.LOOP_NONBLOCK)).isZero();
        assertThat(ran).hasValue(7);
        assertThat(base.pendingTasks()).isZero();
    }

    // ------------------------------------------------------------------ statistics

    @Test
    void turnsGrowAsTheLoopWorks() {
        EventBase base = newBase();
        long before = base.turns();
        for (int i = 0; i < 3; i++) {
            base.execute(() -> { });
            assertThat(base.loop(EventBase.LOOP_NONBLOCK)).isZero();
        }
        assertThat(base.turns()).isGreaterThanOrEqualTo(before + 3);
        assertThat(base.currentTurnNanos()).as("no turn in progress").isZero();
    }

    @Test
    void aBlockingTaskShowsInTheTurnStatistics() throws Exception {
        EventBase base = newBase();
        loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch observed = new CountDownLatch(1);
        base.execute(() -> {
            long start = System.nanoTime();
            blocking.countDown();
            try {
                observed.await(10, SECONDS); // until the test saw the long turn
                long left = 300 - millisSince(start);
                if (left > 0) {
                    Thread.sleep(left); // simulates a callback that blocks the loop ~300 ms
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(blocking.await(5, SECONDS)).isTrue();
        await().atMost(FIVE_SECONDS).pollInterval(Duration.ofMillis(10))
                .until(() -> base.currentTurnNanos() > 100 * MS);
        observed.countDown();
        await().atMost(FIVE_SECONDS).until(() -> base.longestTurnNanos() >= 250 * MS);
        roundTrip(base);
        assertThat(base.longestTurnNanos()).isLessThan(10_000 * MS);
        assertThat(base.lastTurnNanos()).isLessThanOrEqualTo(base.longestTurnNanos());
        await().atMost(FIVE_SECONDS).until(() -> base.currentTurnNanos() < 100 * MS);
    }

    // ------------------------------------------------------------------ fake clock

    @Test
    void aFakeClockDrivesTimers() throws Exception {
        AtomicLong fake = new AtomicLong(123_456_789L);
        EventBase base = track(EventBase.builder().clock(fake::get).build());
        CountDownLatch fired = new CountDownLatch(1);
        base.once(Duration.ofHours(1), fired::countDown);
        CompletableFuture<Integer> result = loopInBackground(base, 0);

        fake.addAndGet(Duration.ofMinutes(59).toNanos());
        roundTrip(base); // wakes the loop, which looks at the clock
        assertThat(fired.getCount()).as("59 fake minutes are not an hour").isEqualTo(1);
        assertThat(result).isNotDone();

        long start = System.nanoTime();
        fake.addAndGet(Duration.ofMinutes(1).toNanos());
        base.execute(() -> { });
        assertThat(fired.await(5, SECONDS)).isTrue();
        assertThat(result.get(5, SECONDS)).as("dispatch found nothing left").isEqualTo(1);
        assertThat(millisSince(start)).isLessThan(5_000);
    }

    // ------------------------------------------------------------------ managed mode

    @Test
    void managedModeRunsTheLoopOnANamedThreadAndCloseEndsIt() throws Exception {
        EventBase base = track(EventBase.builder().threadName("x-loop").build()).start();
        Thread loop = base.loopThread();
        assertThat(loop).isNotNull();
        assertThat(loop.getName()).isEqualTo("x-loop");
        assertThat(loop.isAlive()).isTrue();
        assertThat(base.inLoopThread()).isFalse();

        AtomicReference<String> ranOn = new AtomicReference<>();
        AtomicBoolean inLoop = new AtomicBoolean();
        CountDownLatch ran = new CountDownLatch(1);
        base.execute(() -> {
            ranOn.set(Thread.currentThread().getName());
            inLoop.set(base.inLoopThread());
            ran.countDown();
        });
        assertThat(ran.await(5, SECONDS)).isTrue();
        assertThat(ranOn.get()).isEqualTo("x-loop");
        assertThat(inLoop).isTrue();

        base.close();
        await().atMost(FIVE_SECONDS).until(() -> !loop.isAlive());
        assertThat(base.isClosed()).isTrue();
        assertThatThrownBy(() -> base.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(base::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void managedModeRejectsASecondLoop() {
        EventBase base = track(EventBase.builder().threadName("x-loop").build()).start();
        assertThatThrownBy(base::dispatch).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
        assertThatThrownBy(base::start).isInstanceOf(IllegalStateException.class);
        assertThat(base.loopThread().isAlive()).isTrue();
    }

    @Test
    void managedModeShutdownGracefullyEndsTheThread() {
        EventBase base = track(EventBase.builder().threadName("x-loop").build()).start();
        Thread loop = base.loopThread();
        long start = System.nanoTime();
        assertThat(base.shutdownGracefully(Duration.ofSeconds(5))).as("nothing was pending").isTrue();
        assertThat(millisSince(start)).isLessThan(5_000);
        await().atMost(FIVE_SECONDS).until(() -> !loop.isAlive());
        assertThat(base.isClosed()).isTrue();
        assertThatThrownBy(() -> base.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void managedModeCloseFromInsideACallbackEndsTheThread() throws Exception {
        EventBase base = track(EventBase.builder().threadName("x-loop").build()).start();
        Thread loop = base.loopThread();
        base.execute(base::close);
        await().atMost(FIVE_SECONDS).until(() -> !loop.isAlive());
        assertThat(base.isClosed()).isTrue();
    }

    @Test
    void managedModeLoopBreakEndsAndClosesTheBase() {
        EventBase base = track(EventBase.builder().threadName("x-loop").build()).start();
        Thread loop = base.loopThread();
        base.loopBreak();
        await().atMost(FIVE_SECONDS).until(() -> !loop.isAlive());
        assertThat(base.isClosed()).isTrue();
    }

    @Test
    void shutdownGracefullyReturnsWithTheBaseClosedWhenAnotherThreadRunsDispatch() throws Exception {
        AtomicBoolean slow = new AtomicBoolean();
        Instrumentation slowTurns = new Instrumentation() {
            @Override
            public void loopTurn(EventBase base, long nanos) {
                if (slow.get()) {
                    sleepQuietly(300); // a slow end of turn, after the drain has finished
                }
            }
        };
        EventBase base = track(EventBase.builder().instrumentation(slowTurns).build());
        CompletableFuture<Integer> result = loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        slow.set(true);
        assertThat(base.shutdownGracefully(Duration.ofSeconds(5))).isTrue();
        assertThat(base.isClosed()).as("closed when shutdownGracefully returns").isTrue();
        assertThat(result.get(5, SECONDS)).isZero();
    }

    @Test
    void closeFromAnotherThreadReturnsWithTheBaseClosed() throws Exception {
        AtomicBoolean slow = new AtomicBoolean();
        Instrumentation slowTurns = new Instrumentation() {
            @Override
            public void loopTurn(EventBase base, long nanos) {
                if (slow.get()) {
                    sleepQuietly(300);
                }
            }
        };
        EventBase base = track(EventBase.builder().instrumentation(slowTurns).build());
        CompletableFuture<Integer> result = loopInBackground(base, EventBase.LOOP_NO_EXIT_ON_EMPTY);
        slow.set(true);
        base.close();
        assertThat(base.isClosed()).as("closed when close() returns").isTrue();
        assertThat(result.get(5, SECONDS)).isZero();
        assertThatThrownBy(() -> base.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void shutdownGracefullyWithoutARunningLoopRunsItAndCloses() {
        EventBase base = newBase();
        AtomicBoolean ran = new AtomicBoolean();
        base.execute(() -> ran.set(true));
        assertThat(base.shutdownGracefully(Duration.ofSeconds(5))).isTrue();
        assertThat(base.isClosed()).isTrue();
        assertThat(ran).as("a task handed over before the shutdown still ran").isTrue();
        assertThat(base.shutdownGracefully(Duration.ofSeconds(1))).as("again: already closed").isTrue();
    }

    @Test
    void dispatchInsideACallbackIsRefused() {
        EventBase base = newBase();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        base.execute(() -> {
            try {
                base.dispatch();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        assertThat(base.dispatch()).isEqualTo(1);
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
    }

    @Test
    void closeInsideADispatchCallbackTakesEffectWhenTheLoopReturns() {
        EventBase base = newBase();
        AtomicBoolean closedInside = new AtomicBoolean(true);
        AtomicBoolean laterTask = new AtomicBoolean();
        base.once(Duration.ofHours(1), () -> { });
        base.execute(() -> {
            base.close();
            closedInside.set(base.isClosed());
        });
        base.execute(() -> laterTask.set(true));
        assertThat(base.dispatch()).isZero();
        assertThat(closedInside).as("not closed under the running callback").isFalse();
        assertThat(laterTask).as("no callback runs after close()").isFalse();
        assertThat(base.isClosed()).isTrue();
    }

    @Test
    void shutdownGracefullyOnTheLoopThreadIsRefused() {
        EventBase base = newBase();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        base.execute(() -> {
            try {
                base.shutdownGracefully(Duration.ofSeconds(1));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        assertThat(base.dispatch()).isEqualTo(1);
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("close()");
        assertThat(base.isClosed()).isFalse();
    }

    @Test
    void theDefaultResolverResolvesLocalhost() throws Exception {
        EventBase base = newBase();
        assertThat(base.resolver()).isSameAs(HostResolver.system());
        java.util.List<java.net.InetAddress> addresses = HostResolver.system().resolve("localhost").get(5, SECONDS);
        assertThat(addresses).isNotEmpty().allSatisfy(a -> assertThat(a.isLoopbackAddress()).isTrue());
    }

    @Test
    void aResolverLooksUpOnItsExecutorNotTheCaller() throws Exception {
        AtomicReference<String> ranOn = new AtomicReference<>();
        HostResolver resolver = HostResolver.using(task -> startThread("lookup-thread", () -> {
            ranOn.set(Thread.currentThread().getName());
            task.run();
        }));
        assertThat(resolver.resolve("127.0.0.1").get(5, SECONDS)).extracting(java.net.InetAddress::getHostAddress)
                .containsExactly("127.0.0.1");
        assertThat(ranOn.get()).isEqualTo("lookup-thread");
        // A malformed IPv6 literal fails without asking any DNS server; the failure arrives
        // through the future, never from resolve() itself.
        CompletableFuture<java.util.List<java.net.InetAddress>> unknown = resolver.resolve("[::1");
        assertThatThrownBy(() -> unknown.get(5, SECONDS)).hasCauseInstanceOf(java.net.UnknownHostException.class);
    }

    @Test
    void aResolverWhoseExecutorRefusesReturnsAFailedFuture() {
        HostResolver refusing = HostResolver.using(task -> {
            throw new RejectedExecutionException("full (expected by the test)");
        });
        CompletableFuture<java.util.List<java.net.InetAddress>> f = refusing.resolve("localhost");
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).hasCauseInstanceOf(RejectedExecutionException.class);

        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            HostResolver resolver = HostResolver.using(pool);
            assertThat(resolver.resolve("127.0.0.1").join()).extracting(java.net.InetAddress::getHostAddress)
                    .containsExactly("127.0.0.1");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void builderRejectsBlankThreadName() {
        assertThatThrownBy(() -> EventBase.builder().threadName(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threadName");
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A task (or callback) that never returns must not hold shutdown past its timeout. */
    @Test
    void shutdownGracefullyIsBoundedByItsTimeoutEvenWhenTheLoopIsStuck() throws Exception {
        EventBase base = track(EventBase.builder().threadName("stuck-loop").daemon(true).build().start());
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        base.execute(() -> {
            stuck.countDown();
            while (true) {
                try {
                    never.await(); // the user's wait, and it ignores interrupts
                    return;
                } catch (InterruptedException ignored) {
                    // keep waiting
                }
            }
        });
        assertThat(stuck.await(5, SECONDS)).isTrue();
        long start = System.nanoTime();
        boolean drained = base.shutdownGracefully(Duration.ofMillis(500));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        never.countDown();
        assertThat(drained).isFalse();
        assertThat(base.isClosed()).isTrue();
        assertThat(took).isLessThan(Duration.ofSeconds(3)); // 500 ms + 500 ms grace; before: forever
    }
}
