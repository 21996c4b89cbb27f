package io.github.bufferevent.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.TestBytes;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Paths a review found where a future could hang, a count drift or replies reach the wrong caller;
 * each test failed before its fix.
 */
@Timeout(60)
class BufferEventClientReviewTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final EventBase base = EventBase.builder().threadName("review-test-loop").daemon(true).build().start();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        base.close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private BufferEventClient.Builder lines(int port) {
        return BufferEventClient.builder(base, "review").address("127.0.0.1", port).framing(Framing.line(EolStyle.LF, 100_000))
                .reconnect(true, Duration.ofMillis(100), Duration.ofMillis(200), 2.0, 0.0);
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(20, SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("succeeded");
    }

    /** Echoes lines in order; a line "slow" is answered after 1.5 s. */
    private static LoopbackPeer slowEcho() throws Exception {
        return LoopbackPeer.start((s, in, out) -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.equals("slow")) {
                    try {
                        Thread.sleep(1500); // the slowness is what the test is about
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                out.write(TestBytes.ascii(line + "\n"));
                out.flush();
            }
        });
    }

    @Test
    void closingTheBaseWhileNoConnectionIsUpFailsWhatWaits() throws Exception {
        BufferEventClient client = closeLater(lines(LoopbackPeer.closedPort())
                .reconnect(true, Duration.ofSeconds(10), Duration.ofSeconds(10), 2.0, 0.0).replyTimeout(Duration.ofMinutes(1)).build());
        client.connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.state() == BufferEventClient.State.BACKOFF);
        CompletableFuture<String> waiting = client.exchange("x");
        CompletableFuture<Void> sent = client.send("y");
        base.close();
        assertThat(failure(waiting)).isInstanceOf(ExchangeRejectedException.class).hasMessageContaining("event base closed");
        assertThat(failure(sent)).isInstanceOf(ExchangeRejectedException.class);
        assertThat(client.state()).isEqualTo(BufferEventClient.State.CLOSED);
        assertThat(client.exchangesInFlight()).isZero();
    }

    @Test
    void failbackHappensDespiteATimedOutExchangeAndCountsOneConnection() throws Exception {
        LoopbackPeer primary = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        primary.stop();
        LoopbackPeer deaf = closeLater(LoopbackPeer.start(PeerBehavior.silent())); // the secondary accepts and never answers
        BufferEventClient client = closeLater(lines(primary.port()).replyTimeout(Duration.ofMillis(300)).addresses(List.of(
                InetSocketAddress.createUnresolved("127.0.0.1", primary.port()),
                InetSocketAddress.createUnresolved("127.0.0.1", deaf.port()))).build());
        client.connect();
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(failure(client.exchange("lost"))).isInstanceOf(TimeoutException.class);
        primary.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.connections().get(0).target().endsWith(":" + primary.port())
                && client.isConnected());
        assertThat(client.exchange("back on the primary").get(10, SECONDS)).isEqualTo("back on the primary");
        assertThat(client.connectedConnections()).isEqualTo(1);
        assertThat(client.exchangesInFlight()).isZero(); // the tombstone went with the old socket
    }

    @Test
    void aRetryFromATimeoutContinuationNeitherBreaksTheScanNorMultipliesTimers() throws Exception {
        LoopbackPeer peer = closeLater(slowEcho());
        BufferEventClient client = closeLater(lines(peer.port()).replyTimeout(Duration.ofMillis(200)).build());
        client.connect();
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        AtomicInteger retries = new AtomicInteger();
        List<CompletableFuture<String>> retried = new CopyOnWriteArrayList<>();
        CompletableFuture<String> first = client.exchange("slow");
        List<CompletableFuture<String>> behind = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            behind.add(client.exchange("b" + i));
        }
        for (CompletableFuture<String> f : behind) {
            f.whenComplete((r, e) -> {
                if (e != null && retries.incrementAndGet() <= 5) {
                    retried.add(client.exchange("retry")); // runs on the loop, inside the timeout scan
                }
            });
        }
        assertThat(failure(first)).isInstanceOf(TimeoutException.class);
        for (CompletableFuture<String> f : behind) {
            assertThat(failure(f)).isInstanceOf(TimeoutException.class);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> retried.size() == 5);
        for (CompletableFuture<String> f : retried) {
            // Behind the slow one on the wire, each retry times out too; what matters is that every
            // future ends (before the fix the scan died of a ConcurrentModificationException).
            assertThat(failure(f)).isInstanceOf(TimeoutException.class);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> client.exchangesInFlight() == 0);
        assertThat(client.exchange("after").get(10, SECONDS)).isEqualTo("after");
    }

    @Test
    void aFrameRefusedAfterCrossingTheHighMarkLeavesTheClientWritable() throws Exception {
        LoopbackPeer peer = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        BufferEventClient client = closeLater(lines(peer.port()).writeBufferWaterMarks(1024, 4096)
                .framing(Framing.line(EolStyle.LF, 1000)).build());
        client.connect();
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(failure(client.exchange(new byte[5000]))).isInstanceOf(FrameTooLongException.class);
        await().atMost(Duration.ofSeconds(5)).until(client::isWritable);
        assertThat(client.whenWritable()).succeedsWithin(Duration.ofSeconds(5));
        assertThat(client.heldBytes()).isZero();
    }

    @Test
    void aBufferEventFreedByUserCodeIsALostConnectionThatReconnects() throws Exception {
        LoopbackPeer peer = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        BufferEventClient client = closeLater(lines(peer.port()).build());
        client.connect();
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        client.bufferEvent().free();
        await().atMost(Duration.ofSeconds(10)).until(() -> peer.accepted() == 2 && client.isConnected());
        assertThat(client.exchange("after").get(10, SECONDS)).isEqualTo("after");
    }

    @Test
    void aCallFromALoopContinuationDoesNotJumpAheadOfOlderPendingCalls() throws Exception {
        List<String> wire = new CopyOnWriteArrayList<>();
        LoopbackPeer recorder = closeLater(LoopbackPeer.start((s, in, out) -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                wire.add(line);
            }
        }));
        recorder.stop();
        BufferEventClient client = closeLater(lines(recorder.port()).build());
        client.connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.state() != BufferEventClient.State.CONNECTING);
        client.send("A").thenRun(() -> client.send("C")); // runs on the loop when A goes out
        client.send("B");
        recorder.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> wire.size() == 3);
        assertThat(wire).containsExactly("A", "B", "C");
    }

    @Test
    void aFrameTheFramingRefusesFailsAtOnceEvenWhileDisconnected() throws Exception {
        BufferEventClient client = closeLater(lines(LoopbackPeer.closedPort()).replyTimeout(Duration.ofMinutes(1)).build());
        client.connect();
        CompletableFuture<String> evil = client.exchange("evil\nINJECTED");
        assertThat(evil).isCompletedExceptionally(); // not after a minute in the pending queue
        assertThat(failure(evil)).isInstanceOf(IllegalArgumentException.class);
        assertThat(failure(client.send("a\nb"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(client.exchangesInFlight()).isZero();
        assertThat(client.pendingBytes()).isZero();
    }
}
