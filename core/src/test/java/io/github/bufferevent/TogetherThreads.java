package io.github.bufferevent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/** Runs one body on several threads that start at the same moment, and waits for them all. */
final class TogetherThreads {

    /** What each thread runs, given its number from 0. */
    @FunctionalInterface
    interface Body {
        void run(int id) throws Exception;
    }

    private TogetherThreads() {
    }

    /** Starts {@code threads} threads named {@code name-<id>} behind one barrier; joins them (30 s each at most). */
    static void run(int threads, String name, Body body) throws InterruptedException {
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await(10, TimeUnit.SECONDS);
                    body.run(id);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, name + "-" + t);
            all.add(w);
            w.start();
        }
        for (Thread w : all) {
            w.join(TimeUnit.SECONDS.toMillis(30));
        }
    }
}
