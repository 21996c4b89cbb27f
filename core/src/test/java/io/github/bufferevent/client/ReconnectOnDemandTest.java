package io.github.bufferevent.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recovery that matches demand: a client waiting out a long backoff comes back when a request
 * arrives (at once, not at the end of the backoff), with at most one attempt in flight and
 * attempts no closer together than the initial backoff; without on-demand it waits the backoff out.
 */
@Timeout(60)
class ReconnectOnDemandTest {

    private EventBase base;
    private final AtomicInteger attempts = new AtomicInteger();
    private BufferEventFactory factory;

    @BeforeEach
    void setUp() {
        base = EventBase.builder().threadName("on-demand").daemon(true).build().start();
        factory = BufferEventFactory.builder(base).options(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE)
                .instrumentation(new Instrumentation() {
                    @Override
                    public void connectStarted(BufferEvent bev) {
                        attempts.incrementAndGet();
                    }
                }).build();
    }

    @AfterEach
    void tearDown() {
        base.close();
    }

    /** Backoff from {@code initial} times {@code multiplier} per failed attempt, up to 30 s. */
    private BufferEventClient client(LoopbackPeer peer, boolean onDemand, Duration initial, double multiplier) {
        return BufferEventClient.builder(base, "kv").factory(factory).address("127.0.0.1", peer.port())
                .framing(Framing.line(EolStyle.LF, 1024))
                .reconnect(true, initial, Duration.ofSeconds(30), multiplier, 0.0)
                .reconnectOnDemand(onDemand).build();
    }

    /** The peer holds the connection (connected is seen before the peer's accept returns; stop() resets only what it holds). */
    private static void awaitAccepted(LoopbackPeer peer) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> peer.accepted() >= 1);
    }

    /** The server is back long before the backoff ends: the first request brings the client back. */
    @Test
    void aRequestDuringALongBackoffReconnectsAtOnce() throws Exception {
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.echo()); BufferEventClient client = client(peer, true, Duration.ofMillis(200), 100.0)) {
            connectThenLoseTheServer(peer, client); // the retry after 200 ms is refused, the next comes after 20 s
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> client.reconnectAttempt() >= 2);
            peer.restart();
            long start = System.nanoTime();
            assertThat(client.exchange("back?").get(15, TimeUnit.SECONDS)).isEqualTo("back?");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("long before the 20 s backoff ended")
                    .isLessThan(Duration.ofSeconds(15));
            assertThat(client.isConnected()).isTrue();
        }
    }

    @Test
    void withoutOnDemandTheClientWaitsTheBackoffOut() throws Exception {
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.echo()); BufferEventClient client = client(peer, false, Duration.ofMillis(200), 100.0)) {
            connectThenLoseTheServer(peer, client);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> client.reconnectAttempt() >= 2);
            peer.restart();
            client.exchange("waits"); // buffered until the reconnect
            // still in its 20 s backoff: not connected for the next 3 s
            org.awaitility.Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
                    .until(() -> !client.isConnected());
        }
    }

    /** Connects, then stops the server and waits until the client has noticed. */
    private static void connectThenLoseTheServer(LoopbackPeer peer, BufferEventClient client) {
        client.connect();
        assertThat(client.awaitConnected(Duration.ofSeconds(20))).isTrue();
        awaitAccepted(peer);
        peer.stop();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !client.isConnected());
    }

    /** Connect attempts made while requests pour in for {@code flood} with the server down; [attempts, requests, millis]. */
    private long[] attemptsDuringAFlood(Duration initialBackoff, Duration flood) throws Exception {
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.echo());
                BufferEventClient client = client(peer, true, initialBackoff, 2.0)) {
            connectThenLoseTheServer(peer, client);
            int before = attempts.get();
            long start = System.nanoTime();
            long until = start + flood.toNanos();
            long requests = 0;
            while (System.nanoTime() < until) {
                client.exchange("x" + requests++);
            }
            return new long[] {attempts.get() - before, requests, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)};
        }
    }

    /** A flood of requests while the server stays down starts attempts at most once per initial backoff. */
    @Test
    void demandIsRateBoundedByTheInitialBackoff() throws Exception {
        long[] r = attemptsDuringAFlood(Duration.ofMillis(300), Duration.ofMillis(1500));
        assertThat(r[1]).isGreaterThan(1000);
        // one attempt per 300 ms at most (plus the one the loss itself scheduled and one at either end)
        assertThat(r[0]).as("%d attempts for %d requests in %d ms", r[0], r[1], r[2]).isLessThanOrEqualTo(r[2] / 300 + 3);
    }

    /**
     * Steady traffic during an outage must not defeat the backoff: a failed on-demand attempt is
     * followed by a whole backoff, so attempts stay within two per backoff period (a review found
     * 137 attempts in 3 s with a 20 ms initial backoff, and as many stale timers, before this rule).
     */
    @Test
    void aFloodOfRequestsWhileDownKeepsTheBackoff() throws Exception {
        long[] r = attemptsDuringAFlood(Duration.ofMillis(20), Duration.ofSeconds(3));
        // Without demand: 20, 40, 80, ... 2560 ms: about 8 attempts in 3 s; with demand at most twice that.
        assertThat(r[0]).as("attempts in 3 s of %d requests while the server is down", r[1]).isLessThanOrEqualTo(18);
    }
}
