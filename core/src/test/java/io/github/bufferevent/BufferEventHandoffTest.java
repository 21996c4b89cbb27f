package io.github.bufferevent;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Foreign threads hand their calls over to the loop instead of waiting for the bufferevent's
 * lock, which the loop holds while it runs callbacks: the deadlock a user walks into with a lock
 * of their own (libevent issue #1311) cannot happen, and UNLOCK_CALLBACKS no longer lets a writer
 * and an unlocked callback meet inside the buffers.
 */
@Timeout(120)
class BufferEventHandoffTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        pool.shutdownNow();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private EventBase startedBase() {
        EventBase base = EventBase.builder().threadName("handoff-loop").daemon(true).build().start();
        toClose.add(base);
        return base;
    }

    private LoopbackPeer echo() throws Exception {
        LoopbackPeer s = LoopbackPeer.start(PeerBehavior.echo());
        toClose.add(s);
        return s;
    }

    private static BufferEvent connected(EventBase base, LoopbackPeer server, BufferEvent.ReadCallback read, BevOption... extra)
            throws Exception {
        List<BevOption> options = new ArrayList<>(List.of(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE));
        options.addAll(List.of(extra));
        BufferEvent bev = BufferEvent.socket(base, null, options.toArray(new BevOption[0]));
        CountDownLatch up = new CountDownLatch(1);
        bev.setCallbacks(read, null, (b, what) -> {
            if (what == BevEvent.CONNECTED) {
                up.countDown();
            }
        });
        bev.enable(Ev.READ);
        bev.connect(server.address());
        assertThat(up.await(5, SECONDS)).as("connected").isTrue();
        return bev;
    }

    /**
     * The pattern from the field, as a new user writes it: request threads enqueue their reply
     * future and write under a lock of their own; the read callback takes that lock to complete
     * the futures. With writes waiting for the bufferevent's lock this deadlocked under 16 threads.
     */
    @Test
    void userLockAroundWritesAndInTheReadCallbackDoesNotDeadlock() throws Exception {
        EventBase base = startedBase();
        Object userLock = new Object();
        Queue<CompletableFuture<String>> waiters = new ArrayDeque<>();
        BufferEvent bev = connected(base, echo(), b -> {
            synchronized (userLock) {
                String line;
                while ((line = b.input().readLine(EolStyle.LF)) != null) {
                    waiters.remove().complete(line);
                }
            }
        });
        int threads = 16;
        int requests = 10_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            results.add(pool.submit(() -> {
                start.await(10, SECONDS);
                int ok = 0;
                for (int i = 0; i < requests; i++) {
                    String request = id + ":" + i;
                    CompletableFuture<String> reply = new CompletableFuture<>();
                    synchronized (userLock) {
                        waiters.add(reply);
                        bev.write((request + "\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    assertThat(reply.get(10, SECONDS)).isEqualTo(request);
                    ok++;
                }
                return ok;
            }));
        }
        for (Future<Integer> r : results) {
            assertThat(r.get(90, SECONDS)).isEqualTo(requests);
        }
        bev.free();
    }

    /**
     * Every call a foreign thread may make returns while a callback of the same bufferevent is
     * stuck on the loop (holding the lock); the work is done once the callback returns.
     */
    @Test
    void foreignCallsReturnWhileACallbackHoldsTheLock() throws Exception {
        EventBase base = startedBase();
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                s.getOutputStream().write('!'); // wakes the read callback, which then blocks
                s.getOutputStream().flush();
                received.complete(s.getInputStream().readAllBytes());
            }
        });
        toClose.add(server);
        BufferEvent bev = connected(base, server, b -> {
            inCallback.countDown();
            try {
                release.await(30, SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(inCallback.await(5, SECONDS)).isTrue();
        Future<?> calls = pool.submit(() -> {
            bev.write("one,".getBytes(StandardCharsets.US_ASCII));
            bev.write(ByteBuffer.wrap("two,".getBytes(StandardCharsets.US_ASCII)));
            EvBuffer three = new EvBuffer();
            three.add("three".getBytes(StandardCharsets.US_ASCII));
            bev.writeBuffer(three);
            assertThat(three.length()).isZero();
            bev.setTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));
            bev.setWatermark(Ev.WRITE, 0, 0);
            bev.disable(Ev.READ);
            bev.enable(Ev.WRITE);
            bev.setCallbacks(null, null, null);
            assertThat(bev.bufferedOutput()).isEqualTo("one,two,three".length());
            bev.flush(Ev.WRITE, BevFlush.FINISHED);
            return null;
        });
        calls.get(5, SECONDS); // before the fix: stuck on the lock the callback holds
        assertThatThrownBy(() -> bev.write(new byte[1])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("FINISHED");
        release.countDown();
        assertThat(new String(received.get(10, SECONDS), StandardCharsets.US_ASCII)).isEqualTo("one,two,three");
        bev.free();
    }

    /**
     * A FINISHED flush races writers on other threads: each write either throws or reaches the
     * peer before its EOF; nothing accepted is lost.
     */
    @Test
    void writesRacingAFinishedFlushAreEitherRefusedOrDelivered() throws Exception {
        EventBase base = startedBase();
        for (int round = 0; round < 20; round++) {
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received));
            toClose.add(server);
            BufferEvent bev = connected(base, server, null);
            AtomicLong accepted = new AtomicLong();
            int writers = 4;
            CyclicBarrier start = new CyclicBarrier(writers + 1);
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                running.add(pool.submit(() -> {
                    start.await(10, SECONDS);
                    byte[] chunk = new byte[100];
                    while (true) {
                        try {
                            bev.write(chunk);
                            accepted.addAndGet(chunk.length);
                        } catch (IllegalStateException closed) {
                            return null;
                        }
                    }
                }));
            }
            start.await(10, SECONDS);
            Thread.onSpinWait();
            bev.flush(Ev.WRITE, BevFlush.FINISHED);
            for (Future<?> f : running) {
                f.get(10, SECONDS);
            }
            assertThat((long) received.get(20, SECONDS).length).as("round " + round).isEqualTo(accepted.get());
            bev.free();
        }
    }

    /**
     * UNLOCK_CALLBACKS: the read callback drains the input without the lock while other threads
     * write, some through write(), some with the lock held straight into output(). Every record
     * comes back whole: right sequence, right payload.
     */
    @Test
    void unlockCallbacksKeepsRecordsIntactUnderConcurrentWrites() throws Exception {
        EventBase base = startedBase();
        int threads = 8;
        int records = 3_000;
        long[] nextSeq = new long[threads];
        ConcurrentLinkedQueue<String> corrupt = new ConcurrentLinkedQueue<>();
        AtomicLong good = new AtomicLong();
        byte[] header = new byte[7];
        BufferEvent bev = connected(base, echo(), b -> {
            EvBuffer in = b.input();
            while (in.length() >= header.length) {
                in.copyOut(header);
                ByteBuffer h = ByteBuffer.wrap(header);
                int thread = h.get();
                int seq = h.getInt();
                int len = h.getShort() & 0xffff;
                if (in.length() < header.length + len) {
                    return;
                }
                in.drain(header.length);
                byte[] payload = new byte[len];
                in.remove(payload);
                if (thread < 0 || thread >= threads || seq != nextSeq[thread] || !java.util.Arrays.equals(payload, payload(thread, seq))) {
                    corrupt.add("thread " + thread + " seq " + seq + " len " + len);
                    b.disable(Ev.READ);
                    return;
                }
                nextSeq[thread]++;
                good.incrementAndGet();
            }
        }, BevOption.UNLOCK_CALLBACKS);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            writers.add(pool.submit(() -> {
                start.await(10, SECONDS);
                for (int seq = 0; seq < records; seq++) {
                    byte[] record = record(id, seq);
                    if (id % 2 == 0) {
                        bev.write(record);
                    } else {
                        bev.lock();
                        try {
                            bev.output().add(record);
                        } finally {
                            bev.unlock();
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : writers) {
            w.get(60, SECONDS);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> good.get() == (long) threads * records || !corrupt.isEmpty());
        assertThat(corrupt).isEmpty();
        assertThat(good.get()).isEqualTo((long) threads * records);
        bev.free();
    }

    private static byte[] record(int thread, int seq) {
        byte[] payload = payload(thread, seq);
        return ByteBuffer.allocate(7 + payload.length).put((byte) thread).putInt(seq).putShort((short) payload.length).put(payload)
                .array();
    }

    private static byte[] payload(int thread, int seq) {
        // Up to about a chunk (8 KiB): most records take a chunk from the pool and give one back.
        byte[] p = new byte[16 + (seq * 997 + thread * 131) % 9000];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (thread * 31 + seq * 7 + i);
        }
        return p;
    }
}
