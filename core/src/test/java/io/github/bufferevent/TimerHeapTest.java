package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TimerHeapTest {

    private static TimerHeap.Timer timer(String name) {
        return new TimerHeap.Timer(new Named(name));
    }

    private static String name(TimerHeap.Timer t) {
        return ((Named) t.task).name;
    }

    private static List<String> drain(TimerHeap heap) {
        List<String> out = new ArrayList<>();
        TimerHeap.Timer t;
        while ((t = heap.poll()) != null) {
            assertThat(t.scheduled()).as("a polled timer is no longer scheduled").isFalse();
            out.add(name(t));
        }
        return out;
    }

    @Test
    void pollOnEmptyReturnsNull() {
        TimerHeap heap = new TimerHeap();
        assertThat(heap.poll()).isNull();
        assertThat(heap.peek()).isNull();
        assertThat(heap.size()).isZero();
    }

    @Test
    void ordersByDeadline() {
        TimerHeap heap = new TimerHeap();
        long[] deadlines = {50, 10, 40, 30, 20, 60, 0, 70, 35, 15};
        for (long d : deadlines) {
            heap.schedule(timer("t" + d), d);
        }
        assertThat(heap.size()).isEqualTo(deadlines.length);
        assertThat(name(heap.peek())).isEqualTo("t0");
        assertThat(drain(heap)).containsExactly("t0", "t10", "t15", "t20", "t30", "t35", "t40", "t50", "t60", "t70");
        assertThat(heap.size()).isZero();
    }

    @Test
    void ordersDeadlinesAcrossNanoTimeWraparound() {
        // Deadlines are nanoTime values: compare by difference, as System.nanoTime() requires.
        TimerHeap heap = new TimerHeap();
        heap.schedule(timer("after-wrap"), Long.MIN_VALUE + 5);
        heap.schedule(timer("before-wrap"), Long.MAX_VALUE - 5);
        assertThat(drain(heap)).containsExactly("before-wrap", "after-wrap");
    }

    @Test
    void equalDeadlinesRunInInsertionOrder() {
        TimerHeap heap = new TimerHeap();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            heap.schedule(timer("a" + i), 1000);
            expected.add("a" + i);
        }
        heap.schedule(timer("early"), 999);
        expected.add(0, "early");
        assertThat(drain(heap)).containsExactlyElementsOf(expected);
    }

    @Test
    void cancelOfUnscheduledTimerReturnsFalse() {
        TimerHeap heap = new TimerHeap();
        TimerHeap.Timer never = timer("never");
        assertThat(heap.cancel(never)).isFalse();

        TimerHeap.Timer t = timer("t");
        heap.schedule(t, 5);
        assertThat(t.scheduled()).isTrue();
        assertThat(heap.cancel(t)).isTrue();
        assertThat(t.scheduled()).isFalse();
        assertThat(heap.cancel(t)).as("second cancel").isFalse();
        assertThat(heap.size()).isZero();

        heap.schedule(t, 5);
        assertThat(heap.poll()).isSameAs(t);
        assertThat(heap.cancel(t)).as("cancel after poll").isFalse();
    }

    @Test
    void cancelFromTheMiddleKeepsOrder() {
        TimerHeap heap = new TimerHeap();
        List<TimerHeap.Timer> all = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            TimerHeap.Timer t = timer("t" + i);
            all.add(t);
            heap.schedule(t, (i * 7L) % 31); // a permutation of 0..30
        }
        List<String> expected = new ArrayList<>();
        all.sort(Comparator.comparingLong(t -> t.deadline));
        for (TimerHeap.Timer t : all) {
            if (t.deadline % 3 == 1) {
                assertThat(heap.cancel(t)).isTrue();
            } else {
                expected.add(name(t));
            }
        }
        assertThat(heap.size()).isEqualTo(expected.size());
        assertThat(drain(heap)).containsExactlyElementsOf(expected);
    }

    @Test
    void rescheduleEarlierAndLater() {
        TimerHeap heap = new TimerHeap();
        TimerHeap.Timer a = timer("a");
        TimerHeap.Timer b = timer("b");
        TimerHeap.Timer c = timer("c");
        heap.schedule(a, 10);
        heap.schedule(b, 20);
        heap.schedule(c, 30);

        heap.schedule(c, 5); // earlier: c first
        assertThat(heap.size()).as("reschedule does not add a second entry").isEqualTo(3);
        assertThat(name(heap.peek())).isEqualTo("c");

        heap.schedule(c, 40); // later: c last
        heap.schedule(a, 25); // a moves between b and c
        assertThat(heap.size()).isEqualTo(3);
        assertThat(drain(heap)).containsExactly("b", "a", "c");
    }

    @Test
    void rescheduleToAnEqualDeadlineGoesBehindTheOthers() {
        TimerHeap heap = new TimerHeap();
        TimerHeap.Timer a = timer("a");
        heap.schedule(a, 10);
        heap.schedule(timer("b"), 10);
        heap.schedule(timer("c"), 10);
        heap.schedule(a, 10); // re-armed: it is now the newest timer at 10
        assertThat(drain(heap)).containsExactly("b", "c", "a");
    }

    @Test
    void randomizedAgainstSortedReference() {
        Random random = new Random(0x5EED_1234L);
        TimerHeap heap = new TimerHeap();
        // Reference model: the scheduled timers with their (deadline, sequence) keys.
        List<Entry> reference = new ArrayList<>();
        List<TimerHeap.Timer> pool = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            pool.add(timer("p" + i));
        }
        long sequence = 0;
        Comparator<Entry> order = Comparator.<Entry>comparingLong(e -> e.deadline).thenComparingLong(e -> e.sequence);
        for (int op = 0; op < 1000; op++) {
            int kind = random.nextInt(10);
            TimerHeap.Timer t = pool.get(random.nextInt(pool.size()));
            if (kind < 5) { // schedule or reschedule (small deadline range: many ties)
                long deadline = random.nextInt(50);
                reference.removeIf(e -> e.timer == t);
                reference.add(new Entry(t, deadline, sequence++));
                heap.schedule(t, deadline);
            } else if (kind < 8) { // cancel (often of a timer in the middle)
                boolean expected = reference.removeIf(e -> e.timer == t);
                assertThat(heap.cancel(t)).as("cancel at op %d", op).isEqualTo(expected);
            } else { // poll
                reference.sort(order);
                TimerHeap.Timer polled = heap.poll();
                if (reference.isEmpty()) {
                    assertThat(polled).as("poll at op %d", op).isNull();
                } else {
                    assertThat(polled).as("poll at op %d", op).isSameAs(reference.remove(0).timer);
                }
            }
            assertThat(heap.size()).as("size at op %d", op).isEqualTo(reference.size());
            for (TimerHeap.Timer p : pool) {
                boolean inRef = reference.stream().anyMatch(e -> e.timer == p);
                if (p.scheduled() != inRef) {
                    throw new AssertionError("scheduled() of " + name(p) + " is " + p.scheduled() + " at op " + op);
                }
            }
            if (!reference.isEmpty()) {
                reference.sort(order);
                assertThat(heap.peek()).as("peek at op %d", op).isSameAs(reference.get(0).timer);
            }
        }
        reference.sort(order);
        List<String> expected = new ArrayList<>();
        for (Entry e : reference) {
            expected.add(name(e.timer));
        }
        assertThat(drain(heap)).containsExactlyElementsOf(expected);
    }

    @Test
    void growsBeyondInitialCapacity() {
        TimerHeap heap = new TimerHeap();
        for (int i = 999; i >= 0; i--) {
            heap.schedule(timer(Integer.toString(i)), i);
        }
        assertThat(heap.size()).isEqualTo(1000);
        List<String> out = drain(heap);
        assertThat(out).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(out.get(i)).isEqualTo(Integer.toString(i));
        }
    }

    private static final class Entry {
        final TimerHeap.Timer timer;
        final long deadline;
        final long sequence;

        Entry(TimerHeap.Timer timer, long deadline, long sequence) {
            this.timer = timer;
            this.deadline = deadline;
            this.sequence = sequence;
        }
    }

    private static final class Named implements Runnable {
        final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public void run() {
        }
    }
}
