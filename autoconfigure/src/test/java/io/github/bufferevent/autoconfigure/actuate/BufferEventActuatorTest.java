package io.github.bufferevent.autoconfigure.actuate;

import static io.github.bufferevent.autoconfigure.TestPorts.closedPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The health contributor and the bufferevents endpoint. */
@Timeout(60)
class BufferEventActuatorTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            BufferEventAutoConfiguration.class, BufferEventHealthAutoConfiguration.class, BufferEventEndpointAutoConfiguration.class,
            EndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=health,bufferevents");

    @Test
    void healthIsUpWithLoopAndClientDetailsAndDownWhenTheLoopThreadStops() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int down = closedPort();
            runner.withPropertyValues("bufferevent.clients.up.host=127.0.0.1", "bufferevent.clients.up.port=" + server.getLocalPort(),
                    "bufferevent.clients.down.host=127.0.0.1", "bufferevent.clients.down.port=" + down).run(context -> {
                        BufferEventHealthIndicator indicator = context.getBean("buffereventHealthIndicator", BufferEventHealthIndicator.class);
                        BufferEventClients clients = context.getBean(BufferEventClients.class);
                        assertThat(clients.get("up").awaitConnected(Duration.ofSeconds(10))).isTrue();
                        await().atMost(Duration.ofSeconds(10)).until(() -> clients.get("down").lastError() != null);

                        Health health = indicator.health();
                        assertThat(health.getStatus()).isEqualTo(Status.UP); // a disconnected client alone is not DOWN
                        Map<String, Object> loop = detail(health, "eventBase");
                        assertThat(loop).containsEntry("thread", "bufferevent-loop").containsEntry("alive", true);
                        Map<String, Object> perClient = detail(health, "clients");
                        assertThat(map(perClient.get("up"))).containsEntry("connected", true).containsEntry("state", "CONNECTED");
                        assertThat(map(perClient.get("down"))).containsEntry("connected", false);
                        assertThat((String) map(perClient.get("down")).get("lastError")).contains("refused");
                        @SuppressWarnings("unchecked")
                        java.util.List<Map<String, Object>> upPool = (java.util.List<Map<String, Object>>) map(perClient.get("up")).get("connections");
                        assertThat(upPool).singleElement().satisfies(conn -> assertThat(conn).containsEntry("state", "CONNECTED")
                                .containsEntry("target", "127.0.0.1:" + server.getLocalPort()).containsEntry("inFlight", 0));

                        EventBase base = context.getBean(EventBase.class);
                        Thread loopThread = base.loopThread();
                        base.loopBreak(); // the managed loop ends: what a dead loop thread looks like
                        await().atMost(Duration.ofSeconds(10)).until(() -> !loopThread.isAlive());
                        Health dead = indicator.health();
                        assertThat(dead.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(dead.getDetails().get("reason")).asString().contains("not running");
                    });
        }
    }

    @Test
    void aDisconnectedClientMakesItDownWhenConfiguredSo() throws Exception {
        runner.withPropertyValues("bufferevent.clients.down.host=127.0.0.1", "bufferevent.clients.down.port=" + closedPort(),
                "bufferevent.health.client-down-is-down=true").run(context -> {
                    BufferEventHealthIndicator indicator = context.getBean(BufferEventHealthIndicator.class);
                    await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(BufferEventClients.class).get("down").lastError() != null);
                    assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
                });
    }

    @Test
    void healthIsDownWhileTheLoopIsStuck() {
        runner.withPropertyValues("bufferevent.health.stuck-threshold=200ms").run(context -> {
            BufferEventHealthIndicator indicator = context.getBean(BufferEventHealthIndicator.class);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch entered = new CountDownLatch(1);
            context.getBean(EventBase.class).execute(() -> {
                entered.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS); // a callback that blocks the loop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> indicator.health().getStatus().equals(Status.DOWN));
            assertThat(indicator.health().getDetails().get("reason")).asString().contains("stuck");
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> indicator.health().getStatus().equals(Status.UP));
        });
    }

    @Test
    void healthCanBeSwitchedOff() {
        runner.withPropertyValues("management.health.bufferevent.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(BufferEventHealthIndicator.class).hasSingleBean(EventBase.class));
    }

    @Test
    void theEndpointReportsTheLoopEachClientAndEachLiveBufferEventAsJson() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException ignored) {
                    // closed
                }
            }, "endpoint-peer");
            peer.setDaemon(true);
            peer.start();
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.getLocalPort())
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        echo.write("hello");
                        await().atMost(Duration.ofSeconds(10)).until(() -> echo.bufferEvent().totalRead() == 5);

                        BufferEventsEndpoint endpoint = context.getBean(BufferEventsEndpoint.class);
                        JsonNode json = JsonMapper.builder().findAndAddModules().build().valueToTree(endpoint.bufferEvents());
                        assertThat(json.path("eventBase").path("thread").asString()).isEqualTo("bufferevent-loop");
                        assertThat(json.path("eventBase").path("alive").asBoolean()).isTrue();
                        assertThat(json.path("eventBase").path("liveBufferEvents").asInt()).isEqualTo(1);
                        JsonNode client = json.path("clients").path("echo");
                        assertThat(client.path("state").asString()).isEqualTo("CONNECTED");
                        assertThat(client.path("port").asInt()).isEqualTo(server.getLocalPort());
                        assertThat(client.path("connected").asBoolean()).isTrue();
                        assertThat(client.path("reconnects").asLong()).isZero();
                        assertThat(client.has("connectedSince")).isTrue();
                        JsonNode bev = json.path("bufferEvents").get(0);
                        assertThat(bev.path("client").asString()).isEqualTo("echo");
                        assertThat(bev.path("state").asString()).isEqualTo("CONNECTED");
                        assertThat(bev.path("remoteAddress").asString()).contains(String.valueOf(server.getLocalPort()));
                        assertThat(bev.path("enabled")).hasSize(2);
                        assertThat(bev.path("bytesRead").asLong()).isEqualTo(5);
                        assertThat(bev.path("bytesWritten").asLong()).isEqualTo(5);
                        assertThat(bev.path("bufferedInputBytes").asLong()).isZero();
                    });
        }
    }

    @Test
    void theEndpointShowsEachPooledConnectionItsAddressAndItsRequestsInFlight() throws Exception {
        try (io.github.bufferevent.test.LoopbackPeer server = io.github.bufferevent.test.LoopbackPeer.start(io.github.bufferevent.test.PeerBehavior.echo())) {
            runner.withPropertyValues("bufferevent.clients.kv.host=127.0.0.1", "bufferevent.clients.kv.port=" + server.port(),
                    "bufferevent.clients.kv.pool-size=2", "bufferevent.clients.kv.framing.type=line").run(context -> {
                        BufferEventClient kv = context.getBean(BufferEventClients.class).get("kv");
                        await().atMost(Duration.ofSeconds(10)).until(() -> kv.connectedConnections() == 2);
                        assertThat(kv.exchange("ping").get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("ping");
                        JsonNode json = JsonMapper.builder().findAndAddModules().build()
                                .valueToTree(context.getBean(BufferEventsEndpoint.class).bufferEvents());
                        JsonNode client = json.path("clients").path("kv");
                        assertThat(client.path("framing").asString()).startsWith("Framing.line(CRLF");
                        assertThat(client.path("exchangesInFlight").asInt()).isZero();
                        assertThat(client.path("connections")).hasSize(2);
                        for (JsonNode conn : client.path("connections")) {
                            assertThat(conn.path("state").asString()).isEqualTo("CONNECTED");
                            assertThat(conn.path("target").asString()).isEqualTo("127.0.0.1:" + server.port());
                            assertThat(conn.path("remoteAddress").asString()).contains(String.valueOf(server.port()));
                            assertThat(conn.path("inFlight").asInt()).isZero();
                        }
                        assertThat(json.path("bufferEvents")).hasSize(2).allSatisfy(bev -> assertThat(bev.path("client").asString())
                                .isEqualTo("kv"));
                    });
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> detail(Health health, String key) {
        return (Map<String, Object>) health.getDetails().get(key);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
