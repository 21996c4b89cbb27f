package io.github.bufferevent;

import java.util.Arrays;

/**
 * A binary min-heap of {@link Timer}s ordered by deadline, then by insertion order. Each timer
 * knows its index, so cancel and reschedule are O(log n). Loop thread only.
 */
final class TimerHeap {

    /** One scheduled (or idle) timer. Reusable: rescheduling allocates nothing. */
    static final class Timer {
        final Runnable task;
        long deadline;
        long sequence;
        int index = -1;

        Timer(Runnable task) {
            this.task = task;
        }

        boolean scheduled() {
            return index >= 0;
        }
    }

    private Timer[] heap = new Timer[16];
    private int size;
    private long nextSequence;

    int size() {
        return size;
    }

    Timer peek() {
        return size == 0 ? null : heap[0];
    }

    /** Schedules, or moves an already scheduled timer to, {@code deadline}. */
    void schedule(Timer timer, long deadline) {
        timer.deadline = deadline;
        timer.sequence = nextSequence++;
        if (timer.index >= 0) {
            int i = timer.index;
            siftUp(i);
            if (timer.index == i) {
                siftDown(i);
            }
            return;
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = timer;
        timer.index = size;
        size++;
        siftUp(size - 1);
    }

    /** Removes the timer if scheduled; returns whether it was. */
    boolean cancel(Timer timer) {
        int i = timer.index;
        if (i < 0) {
            return false;
        }
        size--;
        Timer last = heap[size];
        heap[size] = null;
        timer.index = -1;
        if (i != size) {
            heap[i] = last;
            last.index = i;
            siftUp(i);
            if (last.index == i) {
                siftDown(i);
            }
        }
        return true;
    }

    /** Removes and returns the earliest timer, or null when empty. */
    Timer poll() {
        if (size == 0) {
            return null;
        }
        Timer first = heap[0];
        cancel(first);
        return first;
    }

    private static boolean before(Timer a, Timer b) {
        return a.deadline != b.deadline ? a.deadline - b.deadline < 0 : a.sequence < b.sequence;
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!before(t, p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && before(heap[right], heap[child])) {
                child = right;
            }
            if (!before(heap[child], t)) {
                break;
            }
            heap[i] = heap[child];
            heap[i].index = i;
            i = child;
        }
        heap[i] = t;
        t.index = i;
    }
}
