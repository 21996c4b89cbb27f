package io.github.bufferevent.autoconfigure.metrics;

import static io.github.bufferevent.autoconfigure.TestPorts.closedPort;
import static io.github.bufferevent.autoconfigure.TestPorts.fillAcceptQueue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.autoconfigure.BufferEventInstrumentation;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The meters, against real loopback peers, with Boot's simple registry. */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class BufferEventMetricsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
            MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
            BufferEventMetricsAutoConfiguration.class, BufferEventAutoConfiguration.class));

    @Test
    void connectOutcomesErrorsAndDisconnectsAreCountedExactly() throws Exception {
        int n = 3;
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = fillAcceptQueue(full);
            int refusedPort = closedPort();
            runner.run(context -> {
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                BufferEventFactory probe = context.getBean(BufferEventFactory.class)
                        .withInstrumentation(context.getBean(BufferEventInstrumentation.class).forClient("probe"));
                for (int i = 0; i < n; i++) {
                    BufferEvent bev = probe.socket();
                    assertThat(connect(bev, silent.getLocalPort())).isEqualTo(BevEvent.CONNECTED);
                    bev.free(); // closed by us: reason "closed"
                }
                BufferEvent refused = probe.socket();
                assertThat(connect(refused, refusedPort)).isEqualTo(BevEvent.ERROR);
                refused.free();

                BufferEvent timesOut = probe.socket();
                timesOut.setConnectTimeout(Duration.ofMillis(300));
                assertThat(connect(timesOut, full.getLocalPort())).isEqualTo(BevEvent.WRITING | BevEvent.TIMEOUT);
                timesOut.free();

                BufferEvent idle = probe.socket();
                idle.setTimeouts(Duration.ofMillis(300), null);
                BlockingQueue<Integer> events = new ArrayBlockingQueue<>(4);
                idle.setCallbacks(null, null, (b, what) -> events.add(what));
                idle.enable(Ev.READ);
                idle.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()));
                assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(BevEvent.CONNECTED);
                assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(BevEvent.READING | BevEvent.TIMEOUT);
                idle.free();

                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    assertThat(counter(registry, BufferEventMeters.CONNECTS, "outcome", "success")).isEqualTo(n + 1);
                    assertThat(counter(registry, BufferEventMeters.CONNECTS, "outcome", "refused")).isEqualTo(1);
                    assertThat(counter(registry, BufferEventMeters.CONNECTS, "outcome", "timeout")).isEqualTo(1);
                    assertThat(counter(registry, BufferEventMeters.CONNECTS, "outcome", "unresolved")).isZero();
                    assertThat(counter(registry, BufferEventMeters.CONNECTS, "outcome", "error")).isZero();
                    assertThat(counter(registry, BufferEventMeters.ERRORS, "kind", "connect")).isEqualTo(1);
                    assertThat(counter(registry, BufferEventMeters.ERRORS, "kind", "timeout")).isEqualTo(2);
                    assertThat(counter(registry, BufferEventMeters.ERRORS, "kind", "read")).isZero();
                    assertThat(counter(registry, BufferEventMeters.DISCONNECTS, "reason", "closed")).isEqualTo(n);
                    assertThat(counter(registry, BufferEventMeters.DISCONNECTS, "reason", "timeout")).isEqualTo(1);
                    assertThat(counter(registry, BufferEventMeters.DISCONNECTS, "reason", "eof")).isZero();
                    assertThat(registry.get(BufferEventMeters.CONNECTIONS_ACTIVE).tag("client", "probe").gauge().value()).isZero();
                    assertThat(registry.get(BufferEventMeters.CONNECT_DURATION).tags("client", "probe", "outcome", "success").timer()
                            .count()).isEqualTo(n + 1);
                });
                // Outcomes that never happened have no series at all.
                assertThat(registry.find(BufferEventMeters.CONNECTS).tags("client", "probe", "outcome", "unresolved").counter()).isNull();
                assertThat(registry.find(BufferEventMeters.DISCONNECTS).tags("client", "probe", "reason", "eof").counter()).isNull();
                // Nothing was tagged with an address or a port.
                assertThat(registry.getMeters()).allSatisfy(m -> m.getId().getTags().forEach(
                        t -> assertThat(t.getValue()).doesNotContain("127.0.0.1").doesNotContain(String.valueOf(silent.getLocalPort()))));
            });
            for (Socket s : fillers) {
                s.close();
            }
        }
    }

    @Test
    void bufferedBytesRiseWhileThePeerDoesNotReadAndFallToZeroAfterwards() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        byte[] data = new byte[8 << 20];
        long[] drained = new long[1];
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    release.await(30, TimeUnit.SECONDS); // not reading until told
                    byte[] buf = new byte[65536];
                    int r;
                    while (drained[0] < data.length && (r = in.read(buf)) > 0) {
                        drained[0] += r;
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, "slow-peer");
            peer.start();
            runner.withPropertyValues("bufferevent.clients.sink.host=127.0.0.1", "bufferevent.clients.sink.port=" + server.getLocalPort(),
                    "bufferevent.clients.sink.max-pending-bytes=16MB").run(context -> {
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        BufferEventClient sink = context.getBean(BufferEventClients.class).get("sink");
                        assertThat(sink.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        assertThat(registry.get(BufferEventMeters.CONNECTIONS_ACTIVE).tag("client", "sink").gauge().value()).isEqualTo(1);
                        sink.write(data);
                        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(registry, "sink", "output") > 1 << 20);
                        release.countDown();
                        await().atMost(Duration.ofSeconds(30)).until(() -> gauge(registry, "sink", "output") == 0);
                        await().atMost(Duration.ofSeconds(10)).until(() -> counter(registry, BufferEventMeters.BYTES, "client", "sink",
                                "direction", "written") == data.length);
                        peer.join(10_000);
                        assertThat(drained[0]).isEqualTo(data.length);
                        assertThat(gauge(registry, "sink", "input")).isZero();
                    });
        }
    }

    @Test
    void bytesCountersEqualTheBytesMoved() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException ignored) {
                    // closed
                }
            }, "echo-peer");
            echo.start();
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.getLocalPort())
                    .run(context -> {
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        BufferEventClient client = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        for (int i = 0; i < 100; i++) {
                            client.write(new byte[1000 + i]);
                        }
                        long total = 100 * 1000 + 99 * 100 / 2;
                        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                            assertThat(counter(registry, BufferEventMeters.BYTES, "client", "echo", "direction", "written")).isEqualTo(total);
                            assertThat(counter(registry, BufferEventMeters.BYTES, "client", "echo", "direction", "read")).isEqualTo(total);
                        });
                    });
        }
    }

    @Test
    void aCallbackThatSleeps300msGivesOneWarnAndOneCount(CapturedOutput output) {
        runner.withPropertyValues("bufferevent.event-base.blocked-threshold=100ms").run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            CountDownLatch done = new CountDownLatch(1);
            context.getBean(EventBase.class).execute(() -> {
                try {
                    Thread.sleep(300); // the blocking callback under test
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.get(BufferEventMeters.BLOCKED).counter().count() == 1);
            assertThat(output.getAll().split("has been blocked for", -1)).hasSize(2);
            assertThat(output.getAll()).contains("java.lang.Thread.sleep").contains("stack of the blocked loop thread");
        });
    }

    @Test
    void aRemovedClientLosesItsMeters() throws Exception {
        int port = closedPort();
        runner.withPropertyValues("bufferevent.clients.gone.host=127.0.0.1", "bufferevent.clients.gone.port=" + port,
                "bufferevent.clients.gone.connect-on-startup=false").run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    context.getBean(BufferEventClients.class).get("gone").connect();
                    await().atMost(Duration.ofSeconds(10)).until(
                            () -> registry.find(BufferEventMeters.CONNECTS).tags("client", "gone", "outcome", "refused").counter() != null);
                    assertThat(registry.find(BufferEventMeters.BUFFERED_BYTES).tag("client", "gone").gauges()).hasSize(2);
                    context.getBean(BufferEventClients.class).remove("gone");
                    assertThat(registry.find(BufferEventMeters.CONNECTS).tag("client", "gone").counters()).isEmpty();
                    assertThat(registry.find(BufferEventMeters.BUFFERED_BYTES).tag("client", "gone").gauges()).isEmpty();
                    assertThat(registry.find(BufferEventMeters.EXCHANGES_IN_FLIGHT).tag("client", "gone").gauges()).isEmpty();
                });
    }

    /**
     * No series for what never happened: the factory bean that nobody used and a configured
     * client that never connected register nothing per connection (only a named client's own
     * state gauges exist, from its creation).
     */
    @Test
    void nothingUsedNothingRegistered() {
        runner.withPropertyValues("bufferevent.clients.idle.host=localhost", "bufferevent.clients.idle.port=9",
                "bufferevent.clients.idle.connect-on-startup=false").run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.getMeters()).noneMatch(m -> "default".equals(m.getId().getTag("client")));
                    assertThat(registry.getMeters()).filteredOn(m -> "idle".equals(m.getId().getTag("client")))
                            .extracting(m -> m.getId().getName()).containsExactlyInAnyOrder(BufferEventMeters.EXCHANGES_IN_FLIGHT,
                                    BufferEventMeters.CLIENT_WRITABLE, BufferEventMeters.CLIENT_HELD_BYTES);
                });
    }

    @Test
    void loopMetersAreRegistered() {
        runner.run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            context.getBean(EventBase.class).execute(() -> { });
            await().atMost(Duration.ofSeconds(5)).until(() -> registry.get(BufferEventMeters.TURN_DURATION).timer().count() > 0);
            assertThat(registry.get(BufferEventMeters.TASKS_PENDING).gauge().value()).isGreaterThanOrEqualTo(0);
        });
    }

    @Test
    void withoutMicrometerOrActuatorTheStarterStillStarts() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(BufferEventMetricsAutoConfiguration.class,
                BufferEventAutoConfiguration.class, io.github.bufferevent.autoconfigure.actuate.BufferEventHealthAutoConfiguration.class,
                io.github.bufferevent.autoconfigure.actuate.BufferEventEndpointAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("io.micrometer", "org.springframework.boot.actuate",
                        "org.springframework.boot.health", "org.springframework.boot.micrometer"))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(EventBase.class)
                            .doesNotHaveBean(MicrometerBufferEventInstrumentation.class);
                    assertThat(context.getBean(EventBase.class).loopThread().isAlive()).isTrue();
                });
    }

    private static int connect(BufferEvent bev, int port) throws Exception {
        BlockingQueue<Integer> events = new ArrayBlockingQueue<>(4);
        bev.setCallbacks(null, null, (b, what) -> events.add(what));
        bev.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Integer what = events.poll(10, TimeUnit.SECONDS);
        assertThat(what).as("an event").isNotNull();
        return what;
    }

    /** The count of a client "probe" counter; 0 when the series does not exist (registered only once it counts). */
    private static double counter(MeterRegistry registry, String name, String... tags) {
        io.micrometer.core.instrument.Counter c = tags.length == 2
                ? registry.find(name).tags("client", "probe", tags[0], tags[1]).counter()
                : registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static double gauge(MeterRegistry registry, String client, String direction) {
        return registry.get(BufferEventMeters.BUFFERED_BYTES).tags("client", client, "direction", direction).gauge().value();
    }
}
