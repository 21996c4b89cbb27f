package io.github.bufferevent.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import io.github.bufferevent.client.Framing;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a real client sees of the loopback servers: its exchanges answered, and a closing and a resetting server as EOF and an error. */
class LoopbackServerClientTest {

    private final EventBase base = EventBase.builder().threadName("loopback-client-test").daemon(true).build().start();

    @AfterEach
    void closeBase() {
        base.close();
    }

    /** The events of the first disconnect of a client that sends one byte to {@code server}. */
    private int disconnectEvents(LoopbackPeer server) throws Exception {
        CompletableFuture<Integer> lost = new CompletableFuture<>();
        BufferEventClientHandler handler = new BufferEventClientHandler() {
            @Override
            public void onConnected(BufferEventClient client) {
                client.write("x");
            }

            @Override
            public void onDisconnected(BufferEventClient client, int events, Throwable cause, long unsentBytes) {
                lost.complete(events);
            }
        };
        try (BufferEventClient client = BufferEventClient.builder(base, "c").address(server.host(), server.port()).handler(handler)
                .reconnect(false, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.0).build()) {
            client.connect();
            return lost.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @LoopbackServer(LoopbackServer.Kind.LINE_ECHO)
    void aRealClientExchangesWithIt(LoopbackPeer server) throws Exception {
        try (BufferEventClient client = BufferEventClient.builder(base, "echo").address(server.host(), server.port())
                .framing(Framing.line(EolStyle.CRLF, 1024)).build()) {
            client.connect();
            assertThat(client.exchange("hello").get(10, TimeUnit.SECONDS)).isEqualTo("hello");
        }
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.CLOSE_AFTER, bytes = 1)
    void closeAfterIsAnEof(LoopbackPeer server) throws Exception {
        assertThat(BevEvent.toString(disconnectEvents(server))).contains("EOF").doesNotContain("ERROR");
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.RESET, bytes = 1)
    void resetIsAnError(LoopbackPeer server) throws Exception {
        assertThat(BevEvent.toString(disconnectEvents(server))).contains("ERROR");
    }
}
