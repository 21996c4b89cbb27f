package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import io.github.bufferevent.client.PendingLimitExceededException;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import static io.github.bufferevent.autoconfigure.TestPorts.closedPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Named clients against real loopback servers. */
@Timeout(60)
class BufferEventClientTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BufferEventAutoConfiguration.class));

    /** Collects the CRLF lines a client reads, on the loop thread. */
    static final class LineCollector implements BufferEventClientHandler {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onConnected(BufferEventClient client) {
            events.add("connected");
        }

        @Override
        public void onRead(BufferEventClient client, EvBuffer input) {
            String line;
            while ((line = input.readLine(EolStyle.CRLF)) != null) {
                lines.add(line);
            }
        }

        @Override
        public void onDisconnected(BufferEventClient client, int events, Throwable cause, long unsentBytes) {
            this.events.add("disconnected");
        }
    }

    @Test
    void aNamedClientConnectsAndExchangesData() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            LineCollector handler = new LineCollector();
            runner.withPropertyValues("bufferevent.clients.echo.host=localhost", "bufferevent.clients.echo.port=" + server.port())
                    .withBean(BufferEventClientCustomizer.class, () -> client -> client.setHandler(handler))
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        assertThat(echo.state()).isEqualTo(BufferEventClient.State.CONNECTED);
                        assertThat(echo.remoteAddress()).isNotNull();
                        echo.write("hello\r\n");
                        echo.write("world\r\n".getBytes(StandardCharsets.US_ASCII));
                        await().atMost(Duration.ofSeconds(10)).until(() -> handler.lines.size() == 2);
                        assertThat(handler.lines).containsExactly("hello", "world");
                        assertThat(handler.events).containsExactly("connected");
                    });
        }
    }

    @Test
    void survivesTheServerRestartingAndDeliversWhatWasWrittenDuringTheOutage() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            LineCollector handler = new LineCollector();
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.port(),
                    "bufferevent.clients.echo.reconnect.initial-backoff=50ms",
                    "bufferevent.clients.echo.reconnect.max-backoff=400ms")
                    .withBean(BufferEventClientCustomizer.class, () -> client -> client.setHandler(handler))
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        echo.write("before\r\n");
                        await().atMost(Duration.ofSeconds(10)).until(() -> handler.lines.contains("before"));

                        server.stop();
                        await().atMost(Duration.ofSeconds(10)).until(() -> !echo.isConnected());
                        // While the server is down the client retries with backoff and buffers writes.
                        await().atMost(Duration.ofSeconds(10)).until(() -> echo.reconnectAttempt() >= 2);
                        echo.write("during-1\r\n");
                        echo.write("during-2\r\n");
                        assertThat(echo.pendingBytes()).isEqualTo(20);
                        assertThat(echo.lastError()).isNotNull();

                        server.restart();
                        await().atMost(Duration.ofSeconds(10)).until(echo::isConnected);
                        echo.write("after\r\n");
                        await().atMost(Duration.ofSeconds(10)).until(() -> handler.lines.size() == 4);
                        assertThat(handler.lines).containsExactly("before", "during-1", "during-2", "after");
                        assertThat(echo.reconnects()).isEqualTo(1);
                        assertThat(echo.reconnectAttempt()).isZero();
                        assertThat(echo.pendingBytes()).isZero();
                        assertThat(server.receivedText()).isEqualTo("before\r\nduring-1\r\nduring-2\r\nafter\r\n");
                    });
        }
    }

    @Test
    @Timeout(300)
    void drainsWhatWasWrittenOnContextClose() throws Exception {
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.silent()).readPause(Duration.ofMillis(2))) {
            AtomicReference<Thread> loop = new AtomicReference<>();
            AtomicReference<String> seen = new AtomicReference<>("");
            runner.withPropertyValues("bufferevent.clients.sink.host=127.0.0.1", "bufferevent.clients.sink.port=" + server.port(),
                    "bufferevent.clients.sink.max-pending-bytes=8MB",
                    // The slow peer takes 16 KiB per pause: about a second here, but on a shared machine
                    // under load well past the default 30 s drain limit (seen): the limit is not the subject.
                    "bufferevent.event-base.shutdown-timeout=120s").run(context -> {
                        loop.set(context.getBean(EventBase.class).loopThread());
                        BufferEventClient sink = context.getBean(BufferEventClients.class).get("sink");
                        assertThat(sink.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        sink.write(data);
                        assertThat(sink.heldBytes()).isPositive(); // the slow peer has not taken it yet
                        // For the report if the data does not arrive (it was dropped when the close raced the connect
                        // event, about 1 run in 15: see core's CloseRacingConnectTest).
                        seen.set("at write: connected=" + sink.isConnected() + ", pending=" + sink.pendingBytes()
                                + ", connections=" + sink.connections() + ", lastError=" + sink.lastError());
                    });
            // The context is closed: everything written must have arrived, and the loop thread is gone.
            await().alias(seen.get()).atMost(Duration.ofSeconds(120)).until(() -> server.received().length == data.length);
            assertThat(server.received()).isEqualTo(data);
            await().atMost(Duration.ofSeconds(10)).until(() -> !loop.get().isAlive());
        }
    }

    @Test
    void writesWhileDisconnectedAreLimitedByMaxPendingBytes() throws Exception {
        int port = closedPort();
        runner.withPropertyValues("bufferevent.clients.down.host=127.0.0.1", "bufferevent.clients.down.port=" + port,
                "bufferevent.clients.down.max-pending-bytes=10B",
                "bufferevent.clients.down.reconnect.initial-backoff=1s").run(context -> {
                    BufferEventClient down = context.getBean(BufferEventClients.class).get("down");
                    down.write("0123456789".getBytes());
                    assertThatThrownBy(() -> down.write("x".getBytes()))
                            .isInstanceOf(PendingLimitExceededException.class)
                            .hasMessageContaining("'down'").hasMessageContaining("max-pending-bytes (10 bytes)");
                    assertThat(down.pendingBytes()).isEqualTo(10);
                    await().atMost(Duration.ofSeconds(10)).until(() -> down.lastError() != null);
                    assertThat(down.state()).isIn(BufferEventClient.State.BACKOFF, BufferEventClient.State.CONNECTING);
                });
    }

    @Test
    void anUnreachableClientDoesNotStopStartupButARequiredOneDoes() throws Exception {
        int port = closedPort();
        runner.withPropertyValues("bufferevent.clients.down.host=127.0.0.1", "bufferevent.clients.down.port=" + port)
                .run(context -> assertThat(context).hasNotFailed());
        runner.withPropertyValues("bufferevent.clients.down.host=127.0.0.1", "bufferevent.clients.down.port=" + port,
                "bufferevent.clients.down.required=true").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("refused");
                    assertThat(context.getStartupFailure()).hasStackTraceContaining("client 'down' is required");
                });
    }

    @Test
    void connectOnStartupFalseWaitsForConnect() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            runner.withPropertyValues("bufferevent.clients.lazy.host=localhost", "bufferevent.clients.lazy.port=" + server.port(),
                    "bufferevent.clients.lazy.connect-on-startup=false").run(context -> {
                        BufferEventClient lazy = context.getBean(BufferEventClients.class).get("lazy");
                        assertThat(lazy.state()).isEqualTo(BufferEventClient.State.STOPPED);
                        lazy.write("queued\r\n");
                        lazy.connect();
                        assertThat(lazy.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        await().atMost(Duration.ofSeconds(10)).until(() -> server.receivedText().equals("queued\r\n"));
                    });
        }
    }

    @Test
    void clientsAreInjectableByQualifier() throws Exception {
        runner.withPropertyValues("bufferevent.clients.alpha.host=localhost", "bufferevent.clients.alpha.port=1",
                "bufferevent.clients.alpha.connect-on-startup=false", "bufferevent.clients.beta.host=localhost",
                "bufferevent.clients.beta.port=2", "bufferevent.clients.beta.connect-on-startup=false")
                .withUserConfiguration(NeedsBeta.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(NeedsBeta.class).beta.name()).isEqualTo("beta");
                    assertThat(context.getBeansOfType(BufferEventClient.class)).hasSize(2);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class NeedsBeta {
        BufferEventClient beta;

        @Bean
        String betaUser(@Qualifier("beta") BufferEventClient beta) {
            this.beta = beta;
            return "uses " + beta.name();
        }
    }

    @Test
    void closedClientsRefuseWrites() throws Exception {
        runner.withPropertyValues("bufferevent.clients.c.host=localhost", "bufferevent.clients.c.port=1",
                "bufferevent.clients.c.connect-on-startup=false").run(context -> {
                    BufferEventClient c = context.getBean(BufferEventClients.class).get("c");
                    c.close();
                    assertThat(c.state()).isEqualTo(BufferEventClient.State.CLOSED);
                    assertThatThrownBy(() -> c.write("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
                    assertThatThrownBy(() -> context.getBean(BufferEventClients.class).get("nope"))
                            .isInstanceOf(java.util.NoSuchElementException.class).hasMessageContaining("[c]");
                });
    }
}
