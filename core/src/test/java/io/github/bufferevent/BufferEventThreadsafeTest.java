package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** THREADSAFE bufferevents on a managed base, written from many threads. */
@Timeout(60)
class BufferEventThreadsafeTest {

    private static final int THREADS = 8;
    private static final int RECORDS = 2000;

    @Test
    void concurrentWritesArriveWholeAndInPerThreadOrder() throws Exception {
        CompletableFuture<List<String>> lines = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s; BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
                List<String> all = new ArrayList<>();
                String line;
                while ((line = r.readLine()) != null) {
                    all.add(line);
                }
                lines.complete(all);
            }
        }); EventBase base = EventBase.builder().threadName("ts-loop").daemon(true).build().start()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            CountDownLatch connected = new CountDownLatch(1);
            bev.setCallbacks(null, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    connected.countDown();
                }
            });
            bev.connect(server.address());
            TogetherThreads.run(THREADS, "writer", id -> {
                for (int i = 0; i < RECORDS; i++) {
                    // A record is written in one call; padding makes partial writes likely.
                    bev.write(String.format("T%d:%05d:%s%n", id, i, "x".repeat(40 + (i % 50))).getBytes(StandardCharsets.US_ASCII));
                }
            });
            assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
            bev.flush(Ev.WRITE, BevFlush.FINISHED);

            List<String> got = lines.get(30, TimeUnit.SECONDS);
            assertThat(got).hasSize(THREADS * RECORDS);
            Map<Integer, Integer> next = new HashMap<>();
            for (String line : got) {
                String[] parts = line.split(":");
                assertThat(parts).as("a whole record: %s", line).hasSize(3);
                int thread = Integer.parseInt(parts[0].substring(1));
                int seq = Integer.parseInt(parts[1]);
                assertThat(seq).as("order of thread %d", thread).isEqualTo(next.getOrDefault(thread, 0));
                assertThat(parts[2]).isEqualTo("x".repeat(40 + (seq % 50)));
                next.put(thread, seq + 1);
            }
            assertThat(next).hasSize(THREADS).allSatisfy((t, n) -> assertThat(n).isEqualTo(RECORDS));
            bev.free();
        }
    }

    @Test
    void everyMethodWorksFromAForeignThreadWithThreadsafe() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.builder().daemon(true).build().start()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            StringBuilder echoed = new StringBuilder();
            CountDownLatch gotAll = new CountDownLatch(1);
            bev.setCallbacks(b -> {
                String line;
                while ((line = b.input().readLine(EolStyle.LF)) != null) {
                    echoed.append(line).append(';');
                    if (line.equals("last")) {
                        gotAll.countDown();
                    }
                }
            }, null, null);
            bev.setTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));
            bev.setWatermark(Ev.READ, 0, 1 << 20);
            bev.enable(Ev.READ);
            assertThat(bev.enabled()).isEqualTo(Ev.READ | Ev.WRITE);
            bev.write("first\n".getBytes());
            bev.connectHostname("127.0.0.1", server.port());
            bev.write("second\nlast\n".getBytes());
            assertThat(gotAll.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(echoed.toString()).isEqualTo("first;second;last;");
            bev.free();
            assertThat(bev.isFreed()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> base.liveBufferEvents() == 0);
            await().atMost(Duration.ofSeconds(5)).until(() -> !bev.channel().isOpen());
        }
    }

    @Test
    void freeFromAForeignThreadStopsCallbacks() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                byte[] chunk = new byte[1024];
                while (true) {
                    s.getOutputStream().write(chunk); // until the client goes away
                }
            }
        }); EventBase base = EventBase.builder().daemon(true).build().start()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            AtomicInteger reads = new AtomicInteger();
            AtomicInteger afterFree = new AtomicInteger();
            bev.setCallbacks(b -> {
                if (b.isFreed()) {
                    afterFree.incrementAndGet();
                }
                reads.incrementAndGet();
                b.input().drain(b.input().length());
            }, null, null);
            bev.enable(Ev.READ);
            bev.connect(server.address());
            await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() > 20);
            bev.free();
            int at = reads.get();
            CountDownLatch turn = new CountDownLatch(1);
            base.execute(turn::countDown);
            assertThat(turn.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(reads.get()).isEqualTo(at);
            assertThat(afterFree).hasValue(0);
        }
    }

    @Test
    void gracefulShutdownDrainsPendingOutputBeforeTheLoopEnds() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        byte[] data = TestBytes.pattern(4 << 20);
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                // A slow reader: the output is still pending when shutdown starts.
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = s.getInputStream().read(buf)) > 0) {
                    all.write(buf, 0, n);
                }
                received.complete(all.toByteArray());
            }
        })) {
            EventBase base = EventBase.builder().threadName("graceful-loop").build().start();
            Thread loop = base.loopThread();
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            bev.connect(server.address());
            bev.write(data);
            assertThat(base.shutdownGracefully(Duration.ofSeconds(20))).isTrue();
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(data);
            await().atMost(Duration.ofSeconds(5)).until(() -> !loop.isAlive());
            assertThat(base.isClosed()).isTrue();
        }
    }

    @Test
    void deferredCallbacksRunAfterTheIoAndCoalesceEvents() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.DEFER_CALLBACKS);
            List<String> calls = new ArrayList<>();
            bev.setCallbacks(b -> calls.add("read"), null, (b, what) -> calls.add(BevEvent.toString(what)));
            bev.trigger(Ev.READ, BevTrigger.IGNORE_WATERMARKS);
            bev.trigger(Ev.READ, BevTrigger.IGNORE_WATERMARKS);
            bev.triggerEvent(BevEvent.EOF | BevEvent.READING, 0);
            bev.triggerEvent(BevEvent.ERROR, 0);
            assertThat(calls).isEmpty();
            base.loop(EventBase.LOOP_NONBLOCK);
            assertThat(calls).containsExactly("read", "READING|EOF|ERROR");
            bev.free();
        }
    }

    @Test
    void unlockCallbacksRunWithoutTheLockHeld() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent locked = BufferEvent.socket(base, null, BevOption.THREADSAFE);
            BufferEvent unlocked = BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.UNLOCK_CALLBACKS);
            List<Boolean> othersCouldLock = new ArrayList<>();
            BufferEvent.ReadCallback probe = b -> {
                CompletableFuture<Boolean> tried = CompletableFuture.supplyAsync(() -> {
                    try {
                        b.write(new byte[0]); // takes the lock
                        return true;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                try {
                    othersCouldLock.add(tried.get(300, TimeUnit.MILLISECONDS));
                } catch (java.util.concurrent.TimeoutException e) {
                    othersCouldLock.add(false);
                    b.unlock(); // let the waiting thread finish once we return
                    b.lock();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            };
            locked.setCallbacks(probe, null, null);
            unlocked.setCallbacks(probe, null, null);
            unlocked.trigger(Ev.READ, BevTrigger.IGNORE_WATERMARKS);
            locked.trigger(Ev.READ, BevTrigger.IGNORE_WATERMARKS);
            assertThat(othersCouldLock).containsExactly(true, false);
            locked.free();
            unlocked.free();
        }
    }
}
