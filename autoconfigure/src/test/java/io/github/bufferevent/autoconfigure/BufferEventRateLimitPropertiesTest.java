package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.BevRateLimitGroup;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EvTokenBucketCfg;
import io.github.bufferevent.autoconfigure.metrics.BufferEventMeters;
import io.github.bufferevent.autoconfigure.metrics.BufferEventMetricsAutoConfiguration;
import io.github.bufferevent.client.BufferEventClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code bufferevent.defaults.rate-limit.*}, per-client overrides, {@code bufferevent.rate-limit-groups} and the meter. */
@Timeout(60)
class BufferEventRateLimitPropertiesTest {

    private static final long MAX = Long.MAX_VALUE;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BufferEventAutoConfiguration.class));

    @Test
    void defaultsClientOverridesAndGroupsBind() {
        AtomicReference<BevRateLimitGroup> shared = new AtomicReference<>();
        runner.withPropertyValues(
                "bufferevent.defaults.rate-limit.read-rate=8KB",
                "bufferevent.defaults.rate-limit.read-burst=32KB",
                "bufferevent.defaults.rate-limit.write-rate=4KB",
                "bufferevent.defaults.rate-limit.tick=100ms",
                "bufferevent.clients.a.host=localhost", "bufferevent.clients.a.port=1",
                "bufferevent.clients.a.connect-on-startup=false",
                "bufferevent.clients.a.rate-limit.write-rate=2KB",
                "bufferevent.clients.a.rate-limit-group=shared",
                "bufferevent.clients.b.host=localhost", "bufferevent.clients.b.port=2",
                "bufferevent.clients.b.connect-on-startup=false",
                "bufferevent.clients.b.rate-limit.read-rate=0",
                "bufferevent.rate-limit-groups.shared.write-rate=64KB",
                "bufferevent.rate-limit-groups.shared.write-burst=128KB",
                "bufferevent.rate-limit-groups.shared.tick=50ms",
                "bufferevent.rate-limit-groups.shared.min-share=1KB").run(context -> {
                    assertThat(context).hasNotFailed();
                    Duration tick = Duration.ofMillis(100);
                    assertThat(context.getBean(BufferEventFactory.class).rateLimit())
                            .isEqualTo(EvTokenBucketCfg.create(8192, 32768, 4096, 4096, tick));
                    assertThat(context.getBean(BufferEventFactory.class).rateLimitGroup()).isNull();
                    BufferEventClients clients = context.getBean(BufferEventClients.class);
                    assertThat(clients.settings("a").connection.rateLimit).isEqualTo(EvTokenBucketCfg.create(8192, 32768, 2048, 2048, tick));
                    assertThat(clients.settings("a").rateLimitGroup).isEqualTo("shared");
                    // read-rate=0: reading unlimited for b, writing as the defaults say
                    assertThat(clients.settings("b").connection.rateLimit).isEqualTo(EvTokenBucketCfg.create(MAX, MAX, 4096, 4096, tick));
                    assertThat(clients.settings("b").rateLimitGroup).isNull();
                    BufferEventRateLimitGroups groups = context.getBean(BufferEventRateLimitGroups.class);
                    assertThat(groups.names()).containsExactly("shared");
                    shared.set(groups.get("shared"));
                    assertThat(shared.get().config()).isEqualTo(EvTokenBucketCfg.create(MAX, MAX, 65536, 131072, Duration.ofMillis(50)));
                    assertThat(shared.get().base()).isSameAs(context.getBean(io.github.bufferevent.EventBase.class));
                });
        assertThat(shared.get().isFreed()).as("freed with the context").isTrue();
    }

    @Test
    void withoutRateLimitPropertiesNothingIsLimited() {
        runner.run(context -> {
            assertThat(context.getBean(BufferEventFactory.class).rateLimit()).isNull();
            assertThat(context.getBean(BufferEventRateLimitGroups.class).names()).isEmpty();
        });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "bufferevent.defaults.rate-limit.read-rate|-1B|'-1B'|a size of 1B or more per tick (0B or unset: unlimited)",
        "bufferevent.clients.echo.rate-limit.write-rate|-2KB|'-2048B'|a size of 1B or more per tick",
        "bufferevent.clients.echo.rate-limit.write-burst|1KB|'1024B'|a size no smaller than write-rate (2048B)",
        "bufferevent.defaults.rate-limit.write-burst|1B|'1B'|a size no smaller than write-rate (2048B)",
        "bufferevent.defaults.rate-limit.tick|0ms|'0s'|a duration in 1ms..2147483s",
        "bufferevent.clients.echo.rate-limit.tick|-1s|'-1s'|a duration in 1ms..2147483s",
        "bufferevent.clients.echo.rate-limit.tick|30d|'30d'|a duration in 1ms..2147483s",
        "bufferevent.clients.echo.rate-limit-group|nope|'nope'|the name of a group under bufferevent.rate-limit-groups (configured: [g])",
        "bufferevent.rate-limit-groups.g.write-burst|512B|'512B'|a size no smaller than write-rate (1024B)",
        "bufferevent.rate-limit-groups.g.write-rate|-1KB|'-1024B'|a size of 1B or more per tick",
        "bufferevent.rate-limit-groups.g.min-share|-1B|'-1B'|a size of 0B or more",
        "bufferevent.rate-limit-groups.g.tick|0s|'0s'|a duration in 1ms..",
    })
    void invalidRateLimitPropertiesStopStartupNamingThePropertyTheValueAndWhatIsAllowed(String key, String value, String shown,
            String allowed) {
        runner.withPropertyValues(
                "bufferevent.defaults.rate-limit.write-rate=2KB",
                "bufferevent.rate-limit-groups.g.write-rate=1KB",
                "bufferevent.clients.echo.host=localhost",
                "bufferevent.clients.echo.port=7",
                "bufferevent.clients.echo.connect-on-startup=false",
                key + "=" + value).run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
                    assertThat(analysis.getDescription()).contains("'" + key + "'").contains(shown);
                    assertThat(analysis.getAction()).startsWith("Set '" + key + "' to ").contains(allowed);
                });
    }

    @Test
    void aGroupWithoutARateIsRefused() {
        runner.withPropertyValues("bufferevent.rate-limit-groups.idle.tick=1s").run(context -> {
            FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription())
                    .isEqualTo("The bufferevent property 'bufferevent.rate-limit-groups.idle.read-rate' is not set, which cannot be used.");
            assertThat(analysis.getAction()).contains("bufferevent.rate-limit-groups.idle.write-rate")
                    .contains("a group without a rate limits nothing");
        });
    }

    /** Two clients against real servers: one with its own write limit, one in a group; both slowed, both counted. */
    @Test
    void clientsWithAWriteLimitOrAGroupAreSlowedAndTheSuspensionsCounted() throws Exception {
        int size = 100 * 1024;
        try (LoopbackPeer own = LoopbackPeer.start(PeerBehavior.silent()); LoopbackPeer grouped = LoopbackPeer.start(PeerBehavior.silent())) {
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                    BufferEventMetricsAutoConfiguration.class, BufferEventAutoConfiguration.class))
                    .withPropertyValues(
                            "bufferevent.clients.own.host=127.0.0.1", "bufferevent.clients.own.port=" + own.port(),
                            "bufferevent.clients.own.rate-limit.write-rate=10KB",
                            "bufferevent.clients.own.rate-limit.tick=100ms",
                            "bufferevent.clients.grouped.host=127.0.0.1", "bufferevent.clients.grouped.port=" + grouped.port(),
                            "bufferevent.clients.grouped.rate-limit-group=slow",
                            "bufferevent.rate-limit-groups.slow.write-rate=10KB",
                            "bufferevent.rate-limit-groups.slow.tick=100ms").run(context -> {
                                assertThat(context).hasNotFailed();
                                BufferEventClients clients = context.getBean(BufferEventClients.class);
                                BufferEventClient a = clients.get("own");
                                BufferEventClient b = clients.get("grouped");
                                a.whenFirstConnected().get(10, TimeUnit.SECONDS);
                                b.whenFirstConnected().get(10, TimeUnit.SECONDS);
                                byte[] data = new byte[size];
                                long start = System.nanoTime();
                                a.write(data);
                                b.write(data);
                                await().atMost(Duration.ofSeconds(30))
                                        .until(() -> own.received().length == size && grouped.received().length == size);
                                // 100 KB at 10 KB a tick: the first 10 KB at once, then nine refills at least.
                                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
                                assertThat(context.getBean(BufferEventRateLimitGroups.class).get("slow").totalWritten()).isEqualTo(size);
                                MeterRegistry registry = context.getBean(MeterRegistry.class);
                                for (String client : new String[] {"own", "grouped"}) {
                                    assertThat(registry.get(BufferEventMeters.RATELIMIT_SUSPENDED).tags("client", client, "direction", "write")
                                            .counter().count()).as("write suspensions of %s", client).isGreaterThanOrEqualTo(5);
                                    assertThat(registry.find(BufferEventMeters.RATELIMIT_SUSPENDED).tags("client", client, "direction", "read")
                                            .counter()).as("never suspended reading: no series").isNull();
                                }
                            });
        }
    }
}
