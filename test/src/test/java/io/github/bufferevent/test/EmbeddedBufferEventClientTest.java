package io.github.bufferevent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import io.github.bufferevent.client.DisconnectedException;
import io.github.bufferevent.client.Framing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class EmbeddedBufferEventClientTest {

    /** The README's example: a handler that answers the server's PING, tested in a few lines. */
    @Test
    void aHandlerAnswersThePingOfTheServer() {
        BufferEventClientHandler pong = new BufferEventClientHandler() {
            @Override
            public void onFrame(BufferEventClient client, byte[] frame) {
                if (new String(frame, StandardCharsets.UTF_8).equals("PING")) {
                    client.send("PONG");
                }
            }
        };
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.create(Framing.line(EolStyle.CRLF, 1024), pong)) {
            embedded.serverWrites("PING\r\n");
            assertThat(embedded.readOutboundString()).isEqualTo("PONG\r\n");
        }
    }

    @Test
    void anExchangeGoesOutAsAFrameAndCompletesWithTheReply() {
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder().framing(Framing.line(EolStyle.CRLF, 1024)).build()) {
            CompletableFuture<String> first = embedded.client().exchange("GET a");
            CompletableFuture<String> second = embedded.client().exchange("GET b");
            assertThat(embedded.readOutboundFrame()).isEqualTo("GET a");
            assertThat(embedded.readOutboundFrame()).isEqualTo("GET b");
            assertThat(embedded.readOutboundFrame()).isNull();
            assertThat(first).isNotDone();

            embedded.serverSends("1");
            assertThat(first).isCompletedWithValue("1");
            assertThat(second).isNotDone();
            embedded.serverWrites("2\r\n");
            assertThat(embedded.result(second)).isEqualTo("2");
        }
    }

    @Test
    void aLengthFieldFramingEncodesWhatTheServerSends() {
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder().framing(Framing.lengthField(2, 1024)).build()) {
            CompletableFuture<byte[]> reply = embedded.client().exchange(new byte[] {1, 2, 3});
            assertThat(embedded.readOutbound()).containsExactly(0, 3, 1, 2, 3);
            embedded.serverSends(new byte[] {9});
            assertThat(embedded.result(reply)).containsExactly(9);
        }
    }

    @Test
    void withoutAFramingTheHandlerReadsRawBytes() {
        StringBuilder seen = new StringBuilder();
        BufferEventClientHandler handler = new BufferEventClientHandler() {
            @Override
            public void onRead(BufferEventClient client, EvBuffer input) {
                String line = input.readLine(EolStyle.LF);
                if (line != null) {
                    seen.append(line).append('|');
                    client.write(line.toUpperCase() + "\n");
                }
            }
        };
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.create(null, handler)) {
            embedded.serverWrites("ab");
            assertThat(seen).isEmpty();
            embedded.serverWrites("c\n");
            assertThat(seen.toString()).isEqualTo("abc|");
            assertThat(embedded.readOutboundString()).isEqualTo("ABC\n");
            assertThat(embedded.readOutbound()).isEmpty();
            assertThatThrownBy(() -> embedded.serverSends("x")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("framing");
        }
    }

    @Test
    void theServerClosingFailsWhatIsInFlightAndTheClientReconnectsAfterItsBackoff() {
        List<String> events = new ArrayList<>();
        BufferEventClientHandler handler = new BufferEventClientHandler() {
            @Override
            public void onConnected(BufferEventClient client) {
                events.add("connected");
            }

            @Override
            public void onDisconnected(BufferEventClient client, int what, Throwable cause, long unsentBytes) {
                events.add("disconnected " + BevEvent.toString(what));
            }
        };
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder().framing(Framing.line(EolStyle.LF, 1024))
                .handler(handler).configure(b -> b.reconnect(true, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.0)).build()) {
            assertThat(events).containsExactly("connected");
            CompletableFuture<String> lost = embedded.client().exchange("GET a");
            assertThat(embedded.readOutboundFrame()).isEqualTo("GET a");
            embedded.disconnect();
            assertThat(lost).isCompletedExceptionally();
            assertThatThrownBy(() -> embedded.result(lost)).hasCauseInstanceOf(DisconnectedException.class);
            assertThat(events).containsExactly("connected", "disconnected READING|EOF");
            assertThat(embedded.isConnected()).isFalse();
            assertThatThrownBy(() -> embedded.serverWrites("late\n")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no connection");

            embedded.advanceTime(Duration.ofMillis(50));
            assertThat(embedded.connections()).isEqualTo(1); // still backing off: time stands still otherwise
            embedded.advanceTime(Duration.ofMillis(60));
            assertThat(embedded.connections()).isEqualTo(2);
            assertThat(embedded.isConnected()).isTrue();
            assertThat(events).containsExactly("connected", "disconnected READING|EOF", "connected");

            CompletableFuture<String> again = embedded.client().exchange("GET a");
            assertThat(embedded.readOutboundString()).isEqualTo("GET a\n"); // only the new one: the lost request is not resent
            embedded.serverSends("1");
            assertThat(again).isCompletedWithValue("1");
        }
    }

    @Test
    void aReplyTimeoutFiresWhenTheTestMovesTheClock() {
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder().framing(Framing.line(EolStyle.LF, 1024))
                .replyTimeout(Duration.ofSeconds(2)).build()) {
            CompletableFuture<String> reply = embedded.client().exchange("SLOW");
            embedded.advanceTime(Duration.ofMillis(1999));
            assertThat(reply).isNotDone();
            embedded.advanceTime(Duration.ofMillis(1));
            assertThatThrownBy(() -> embedded.result(reply)).hasCauseInstanceOf(TimeoutException.class);
            // Its late reply is dropped, not given to the next caller.
            CompletableFuture<String> next = embedded.client().exchange("FAST");
            embedded.serverSends("late").serverSends("fast");
            assertThat(next).isCompletedWithValue("fast");
        }
    }

    @Test
    void resultSaysWhenTheServerHasNotAnswered() {
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder().framing(Framing.line(EolStyle.LF, 1024)).build()) {
            CompletableFuture<String> reply = embedded.client().exchange("GET a");
            assertThatThrownBy(() -> embedded.result(reply)).isInstanceOf(AssertionError.class).hasMessageContaining("not completed");
        }
    }

    @Test
    void closingTheClientDrainsItsOutputThenClosesTheConnection() {
        EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder().framing(Framing.line(EolStyle.LF, 1024)).build();
        try {
            embedded.client().send("BYE");
            embedded.client().close();
            assertThat(embedded.readOutboundString()).isEqualTo("BYE\n");
            assertThat(embedded.clientClosedConnection()).isTrue();
            assertThat(embedded.client().state()).isEqualTo(BufferEventClient.State.CLOSED);
        } finally {
            embedded.close();
        }
        assertThat(embedded.base().isClosed()).isTrue();
        embedded.close(); // idempotent
    }

    @Test
    void theClientsOwnOptionsApply() {
        try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder().name("kv").framing(Framing.line(EolStyle.LF, 8))
                .configure(b -> b.maxInFlight(1)).build()) {
            assertThat(embedded.client().name()).isEqualTo("kv");
            CompletableFuture<String> first = embedded.client().exchange("a");
            CompletableFuture<String> refused = embedded.client().exchange("b");
            embedded.runPending();
            assertThat(refused).isCompletedExceptionally();
            embedded.serverWrites("this reply is too long\n");
            assertThat(first).isCompletedExceptionally(); // over the framing's 8 bytes
        }
    }
}
