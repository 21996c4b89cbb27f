package io.github.bufferevent.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.ConnectionListener;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The README's promise: add the starter, three lines of YAML (here: properties) and a handler, and
 * talk TCP. The peer is an echo server built on the core library itself, on its own base.
 */
@SpringBootTest(classes = StarterApplicationTest.App.class)
@Timeout(60)
class StarterApplicationTest {

    private static final EventBase SERVER_BASE = EventBase.builder().threadName("echo-server").daemon(true).build().start();
    private static final ConnectionListener SERVER = echoServer();

    @DynamicPropertySource
    static void clientProperties(DynamicPropertyRegistry registry) {
        registry.add("bufferevent.clients.echo.host", () -> "localhost");
        registry.add("bufferevent.clients.echo.port", () -> ((InetSocketAddress) SERVER.localAddress()).getPort());
    }

    @SpringBootApplication
    static class App {
        final List<String> replies = new CopyOnWriteArrayList<>();

        @Bean
        @Qualifier("echo")
        BufferEventClientHandler echoHandler() {
            return new BufferEventClientHandler() {
                @Override
                public void onRead(BufferEventClient client, EvBuffer input) {
                    String line;
                    while ((line = input.readLine(EolStyle.CRLF)) != null) {
                        replies.add(line);
                    }
                }
            };
        }
    }

    @Autowired
    App app;

    @Autowired
    @Qualifier("echo")
    BufferEventClient echo;

    @Autowired
    EventBase base;

    @Test
    void theStarterTalksTcpWithThreeLinesOfConfiguration() {
        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(base.loopThread().getName()).isEqualTo("bufferevent-loop");
        echo.write("PING\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> app.replies.contains("PING"));
    }

    private static ConnectionListener echoServer() {
        try {
            return ConnectionListener.bind(SERVER_BASE, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16,
                    (listener, channel, peer) -> {
                        try {
                            BufferEvent bev = BufferEvent.socket(SERVER_BASE, channel, BevOption.CLOSE_ON_FREE);
                            bev.setCallbacks(b -> b.output().addBuffer(b.input()), null, (b, events) -> b.free());
                            bev.enable(Ev.READ);
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stopServer() {
        SERVER_BASE.close();
    }
}
