package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import io.github.bufferevent.client.PendingLimitExceededException;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Named clients used as a hostile (or just new) user would: locks of their own around writes and
 * in callbacks, callbacks that never return, UNLOCK_CALLBACKS, peers that stop reading, context
 * close with output pending. Each scenario failed before its fix.
 */
@Timeout(180)
class BufferEventClientFaultsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BufferEventAutoConfiguration.class));
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        pool.shutdownNow();
    }

    /**
     * Request threads keep "enqueue my reply future + write" under a lock of their own, and the
     * handler takes that lock to complete the futures. This deadlocked the loop under 16 threads
     * (the loop held the bufferevent's lock and waited for theirs, a writer the other way round).
     */
    @Test
    void aUserLockAroundWritesAndInOnReadDoesNotDeadlock() throws Exception {
        Object userLock = new Object();
        Queue<CompletableFuture<String>> waiters = new ArrayDeque<>();
        BufferEventClientHandler handler = new BufferEventClientHandler() {
            @Override
            public void onRead(BufferEventClient client, EvBuffer input) {
                synchronized (userLock) {
                    String line;
                    while ((line = input.readLine(EolStyle.CRLF)) != null) {
                        waiters.remove().complete(line);
                    }
                }
            }
        };
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.port())
                    .withBean(BufferEventClientCustomizer.class, () -> c -> c.setHandler(handler))
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        int threads = 16;
                        int requests = 10_000;
                        CyclicBarrier start = new CyclicBarrier(threads);
                        List<Future<Integer>> results = new ArrayList<>();
                        for (int t = 0; t < threads; t++) {
                            int id = t;
                            results.add(pool.submit(() -> {
                                start.await(10, SECONDS);
                                for (int i = 0; i < requests; i++) {
                                    String request = id + ":" + i;
                                    CompletableFuture<String> reply = new CompletableFuture<>();
                                    synchronized (userLock) {
                                        waiters.add(reply);
                                        echo.write(request + "\r\n");
                                    }
                                    assertThat(reply.get(10, SECONDS)).isEqualTo(request);
                                }
                                return requests;
                            }));
                        }
                        for (Future<Integer> r : results) {
                            assertThat(r.get(150, SECONDS)).isEqualTo(requests);
                        }
                    });
        }
    }

    /** A callback stuck for good must not hang context close past the shutdown timeout. */
    @Test
    void contextCloseDuringAStuckCallbackEndsWithinTheShutdownTimeout() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BufferEventClientHandler handler = new BufferEventClientHandler() {
            @Override
            public void onRead(BufferEventClient client, EvBuffer input) {
                stuck.countDown();
                try {
                    release.await(); // never returns on its own: the test releases it at the very end
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.port(),
                    "bufferevent.event-base.shutdown-timeout=1s")
                    .withBean(BufferEventClientCustomizer.class, () -> c -> c.setHandler(handler))
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        echo.write("wake the handler\r\n");
                        assertThat(stuck.await(10, SECONDS)).isTrue();
                        echo.write("more output while the loop is stuck\r\n"); // does not wait either
                        long start = System.nanoTime();
                        Future<?> close = pool.submit(() -> context.getSourceApplicationContext(ConfigurableApplicationContext.class).close());
                        try {
                            close.get(5, SECONDS); // 1 s timeout + 0.5 s grace; before the fix: forever
                        } finally {
                            release.countDown();
                        }
                        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                        assertThat(echo.state()).isEqualTo(BufferEventClient.State.CLOSED);
                    });
        }
    }

    /**
     * UNLOCK_CALLBACKS through the starter, as the tester set it: 8 threads write records while the
     * handler drains the input without the lock; every record comes back whole and in order.
     */
    @Test
    void unlockCallbacksThroughTheStarterKeepsEveryRecordIntact() throws Exception {
        int threads = 8;
        int records = 20_000;
        long[] next = new long[threads];
        AtomicLong good = new AtomicLong();
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        BufferEventClientHandler handler = new BufferEventClientHandler() {
            @Override
            public void onRead(BufferEventClient client, EvBuffer input) {
                String line;
                while ((line = input.readLine(EolStyle.CRLF)) != null) {
                    String[] f = line.split(":", 3);
                    int t = f.length == 3 ? Integer.parseInt(f[0]) : -1;
                    if (t < 0 || Long.parseLong(f[1]) != next[t] || !f[2].equals(payload(t, next[t]))) {
                        bad.add(line);
                        continue;
                    }
                    next[t]++;
                    good.incrementAndGet();
                }
            }
        };
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.port(),
                    "bufferevent.defaults.options=THREADSAFE,CLOSE_ON_FREE,UNLOCK_CALLBACKS",
                    "bufferevent.clients.echo.max-pending-bytes=64MB")
                    .withBean(BufferEventClientCustomizer.class, () -> c -> c.setHandler(handler))
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        CyclicBarrier start = new CyclicBarrier(threads);
                        List<Future<?>> writers = new ArrayList<>();
                        for (int t = 0; t < threads; t++) {
                            int id = t;
                            writers.add(pool.submit(() -> {
                                start.await(10, SECONDS);
                                for (long i = 0; i < records; i++) {
                                    echo.write(id + ":" + i + ":" + payload(id, i) + "\r\n");
                                }
                                return null;
                            }));
                        }
                        for (Future<?> w : writers) {
                            w.get(60, SECONDS); // before the fix: NullPointerException from EvBuffer.append
                        }
                        await().atMost(Duration.ofSeconds(60)).until(() -> good.get() == (long) threads * records || !bad.isEmpty());
                        assertThat(bad).isEmpty();
                    });
        }
    }

    private static String payload(int thread, long seq) {
        return "x".repeat((int) ((seq * 7 + thread) % 300));
    }

    /**
     * A peer that stops reading: what the client holds is bounded by max-pending-bytes while
     * connected too (before, 484 MiB piled up), writability turns false at the high mark and true
     * again once the peer reads and the output drains to the low mark.
     */
    @Test
    void aConnectedClientsOutputIsBoundedAndSignalsWritability() throws Exception {
        CountDownLatch startReading = new CountDownLatch(1);
        AtomicLong drained = new AtomicLong();
        List<Boolean> changes = new CopyOnWriteArrayList<>();
        BufferEventClientHandler handler = new BufferEventClientHandler() {
            @Override
            public void onWritabilityChanged(BufferEventClient client, boolean writable) {
                changes.add(writable);
            }
        };
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            pool.submit(() -> {
                try (Socket s = server.accept()) {
                    startReading.await(); // a peer that does not read (as a SIGSTOPped Redis)
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[65536];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        drained.addAndGet(n);
                    }
                }
                return null;
            });
            runner.withPropertyValues("bufferevent.clients.slow.host=127.0.0.1", "bufferevent.clients.slow.port=" + server.getLocalPort(),
                    "bufferevent.clients.slow.max-pending-bytes=4MB", "bufferevent.clients.slow.write-buffer-high-water-mark=1MB",
                    "bufferevent.clients.slow.write-buffer-low-water-mark=256KB", "bufferevent.defaults.write-timeout=0")
                    .withBean(BufferEventClientCustomizer.class, () -> c -> c.setHandler(handler))
                    .run(context -> {
                        BufferEventClient slow = context.getBean(BufferEventClients.class).get("slow");
                        assertThat(slow.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        assertThat(slow.isWritable()).isTrue();
                        byte[] chunk = new byte[16 * 1024];
                        long accepted = 0;
                        PendingLimitExceededException rejected = null;
                        // Kernel buffers take some megabytes first; the client's own bound comes after.
                        for (int i = 0; i < 100_000 && rejected == null; i++) {
                            try {
                                slow.write(chunk);
                                accepted += chunk.length;
                            } catch (PendingLimitExceededException e) {
                                rejected = e;
                            }
                        }
                        assertThat(rejected).as("rejected once it held max-pending-bytes").isNotNull();
                        assertThat(rejected).hasMessageContaining("'slow'").hasMessageContaining("connected")
                                .hasMessageContaining("max-pending-bytes (4194304 bytes)");
                        // heldBytes() is a snapshot that counts a request twice while the loop moves it
                        // into the output (never zero in between); the peer reads nothing, so once the
                        // loop has settled it is exactly what the client holds.
                        await().atMost(Duration.ofSeconds(5)).until(() -> slow.heldBytes() <= 4L * 1024 * 1024);
                        assertThat(slow.isWritable()).isFalse();
                        assertThat(slow.awaitWritable(Duration.ofMillis(200))).isFalse();
                        await().atMost(Duration.ofSeconds(5)).until(() -> changes.contains(false));

                        CompletableFuture<Void> writableAgain = slow.whenWritable();
                        startReading.countDown();
                        assertThat(slow.awaitWritable(Duration.ofSeconds(20))).isTrue();
                        assertThat(writableAgain).succeedsWithin(Duration.ofSeconds(5));
                        assertThat(slow.heldBytes()).isLessThanOrEqualTo(256 * 1024);
                        // While the kernel's socket buffers still took bytes the client may have flipped
                        // more than once; the handler hears every change in order: false first, each call
                        // the opposite of the one before, writable last.
                        await().atMost(Duration.ofSeconds(5)).until(() -> !changes.isEmpty() && changes.get(changes.size() - 1));
                        assertThat(changes.get(0)).isFalse();
                        for (int i = 1; i < changes.size(); i++) {
                            assertThat(changes.get(i)).as("change %d", i).isNotEqualTo(changes.get(i - 1));
                        }
                        long total = accepted;
                        await().atMost(Duration.ofSeconds(20)).until(() -> drained.get() == total);
                    });
        }
    }

    /** After context close a client ends CLOSED, whether its output drained or the drain timed out. */
    @Test
    void aClosedContextLeavesItsClientsClosedNotClosing() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); ServerSocket deaf = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            pool.submit(() -> {
                try (Socket s = deaf.accept()) {
                    new CountDownLatch(1).await(); // never reads, never closes
                }
                return null;
            });
            List<BufferEventClient> clients = new ArrayList<>();
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.port(),
                    "bufferevent.clients.deaf.host=127.0.0.1", "bufferevent.clients.deaf.port=" + deaf.getLocalPort(),
                    "bufferevent.clients.deaf.max-pending-bytes=64MB", "bufferevent.defaults.write-timeout=0",
                    "bufferevent.event-base.shutdown-timeout=500ms")
                    .run(context -> {
                        BufferEventClients all = context.getBean(BufferEventClients.class);
                        BufferEventClient echo = all.get("echo");
                        BufferEventClient deafClient = all.get("deaf");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        assertThat(deafClient.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        echo.write("drains at once\r\n");
                        byte[] big = new byte[1024 * 1024];
                        for (int i = 0; i < 32; i++) {
                            deafClient.write(big); // far more than the kernel buffers: the drain times out
                        }
                        clients.add(echo);
                        clients.add(deafClient);
                    });
            assertThat(clients).extracting(BufferEventClient::state)
                    .containsExactly(BufferEventClient.State.CLOSED, BufferEventClient.State.CLOSED);
            assertThatThrownBy(() -> clients.get(0).write("after close")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    /**
     * Spring pauses a cached test context when another one is used; resuming it must find the
     * clients working (they were closed on pause, and start() then threw "client is closed").
     */
    @Test
    void aPausedAndRestartedContextKeepsItsClientsWorking() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            BufferEventClientTest.LineCollector handler = new BufferEventClientTest.LineCollector();
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.port())
                    .withBean(BufferEventClientCustomizer.class, () -> c -> c.setHandler(handler))
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        ConfigurableApplicationContext app = context.getSourceApplicationContext(ConfigurableApplicationContext.class);
                        app.pause();
                        app.restart();
                        echo.write("still here\r\n");
                        await().atMost(Duration.ofSeconds(10)).until(() -> handler.lines.contains("still here"));
                        assertThat(echo.state()).isEqualTo(BufferEventClient.State.CONNECTED);
                    });
        }
    }
}
