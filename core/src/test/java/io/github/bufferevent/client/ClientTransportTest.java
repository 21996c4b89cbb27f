package io.github.bufferevent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BufferEventClient.Builder#transport}: connections over pair bufferevents, the base run
 * on the test's thread with a test clock ({@link EventBase#nanoTime}) for reply timeouts and backoff.
 */
class ClientTransportTest {

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final EventBase base = EventBase.builder().clock(clock::get).build();
    private final List<BufferEvent> servers = new ArrayList<>();
    private final List<InetSocketAddress> opened = new ArrayList<>();
    private final EvBuffer received = new EvBuffer();

    @AfterEach
    void tearDown() {
        base.close();
    }

    private BufferEvent open(InetSocketAddress address) {
        opened.add(address);
        BufferEvent[] pair = BufferEvent.pair(base, BevOption.CLOSE_ON_FREE);
        pair[1].setCallbacks(b -> received.addBuffer(b.input()), null, (b, events) -> b.free());
        pair[1].enable(Ev.READ);
        servers.add(pair[1]);
        return pair[0];
    }

    /** A few non-blocking passes: enough for the tasks, pair transfers and deferred callbacks of one step. */
    private void run() {
        for (int i = 0; i < 10; i++) {
            base.loop(EventBase.LOOP_NONBLOCK);
        }
    }

    private BufferEventClient client(Duration replyTimeout) {
        return BufferEventClient.builder(base, "paired").address("peer.invalid", 7).framing(Framing.line(EolStyle.LF, 64))
                .replyTimeout(replyTimeout).reconnect(true, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.0)
                .transport(this::open).build();
    }

    @Test
    void anAlreadyConnectedBufferEventCountsAsUpAndCarriesExchanges() {
        BufferEventClient client = client(null);
        client.connect();
        run();
        assertThat(client.state()).isEqualTo(BufferEventClient.State.CONNECTED);
        assertThat(opened).containsExactly(InetSocketAddress.createUnresolved("peer.invalid", 7));

        CompletableFuture<String> reply = client.exchange("GET a");
        run();
        assertThat(received.readLine(EolStyle.LF)).isEqualTo("GET a");
        servers.get(0).write("1\n".getBytes(StandardCharsets.US_ASCII));
        run();
        assertThat(reply).isCompletedWithValue("1");
    }

    @Test
    void replyTimeoutsAndBackoffRunOnTheBasesClock() {
        BufferEventClient client = client(Duration.ofSeconds(2));
        client.connect();
        run();
        CompletableFuture<String> reply = client.exchange("SLOW");
        run();
        clock.addAndGet(Duration.ofMillis(1990).toNanos());
        run();
        assertThat(reply).isNotDone();
        clock.addAndGet(Duration.ofMillis(10).toNanos());
        run();
        assertThat(reply).failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(TimeoutException.class);

        servers.get(0).free(); // the server closes: back off 100 ms of the base's clock
        run();
        assertThat(client.state()).isEqualTo(BufferEventClient.State.BACKOFF);
        clock.addAndGet(Duration.ofMillis(50).toNanos());
        run();
        assertThat(servers).hasSize(1);
        clock.addAndGet(Duration.ofMillis(60).toNanos());
        run();
        assertThat(servers).hasSize(2);
        assertThat(client.state()).isEqualTo(BufferEventClient.State.CONNECTED);
    }

    @Test
    void aTransportThatFailsFailsTheAttempt() {
        BufferEventClient client = BufferEventClient.builder(base, "broken").address("peer.invalid", 7)
                .reconnect(false, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.0).transport(a -> null).build();
        client.connect();
        run();
        assertThat(client.isConnected()).isFalse();
        assertThat(client.lastError()).hasMessageContaining("transport returned null");
    }

    @Test
    void aTransportExcludesTls() throws Exception {
        SSLContext tls = SSLContext.getDefault();
        assertThatThrownBy(() -> BufferEventClient.builder(base, "both").address("h", 1).transport(this::open).ssl(tls, null).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exclude each other");
    }
}
