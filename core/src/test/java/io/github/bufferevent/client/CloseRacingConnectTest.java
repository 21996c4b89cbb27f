package io.github.bufferevent.client;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A caller woken by the first connect writes and closes at once, while the loop is still inside
 * the connect event: what it wrote before {@code close()} must still be sent. The loop used to close
 * the connection right there, ahead of the queued write, which then found no connection and was
 * dropped at the close ("pending bytes could not be sent"); seen as a rare failure of the starter's
 * drain-on-context-close test.
 */
@Timeout(60)
class CloseRacingConnectTest {

    private final EventBase base = EventBase.builder().threadName("close-race-loop").daemon(true).build().start();

    @AfterEach
    void tearDown() {
        base.close();
    }

    @Test
    void whatWasWrittenBeforeACloseThatRacesTheConnectIsSent() throws Exception {
        byte[] data = "written before close\n".getBytes(US_ASCII);
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.silent())) {
            BufferEventClient client = BufferEventClient.builder(base, "race").address("127.0.0.1", peer.port()).build();
            AtomicReference<Throwable> callerFailed = new AtomicReference<>();
            // Registered before the connect, this runs on the loop thread inside the connect event,
            // right after the first connect is signalled: the window a woken caller can hit. Holding
            // the loop there while another thread writes and closes makes the interleaving certain.
            client.whenFirstConnected().thenRun(() -> {
                Thread caller = new Thread(() -> {
                    try {
                        client.write(data);
                        client.close();
                    } catch (Throwable t) {
                        callerFailed.set(t);
                    }
                }, "woken-caller");
                caller.start();
                try {
                    caller.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            client.connect();

            await().alias("the bytes written before close() reach the peer").atMost(Duration.ofSeconds(20))
                    .until(() -> peer.received().length >= data.length || callerFailed.get() != null
                            || client.state() == BufferEventClient.State.STOPPED);
            assertThat(callerFailed.get()).isNull();
            assertThat(peer.received()).isEqualTo(data);
        }
    }
}
