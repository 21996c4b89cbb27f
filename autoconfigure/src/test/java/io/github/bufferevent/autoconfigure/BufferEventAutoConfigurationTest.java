package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Timeout(60)
class BufferEventAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BufferEventAutoConfiguration.class));

    @Test
    void defaultsGiveARunningEventBaseAFactoryAndNoClients() {
        AtomicReference<Thread> loop = new AtomicReference<>();
        runner.run(context -> {
            assertThat(context).hasSingleBean(EventBase.class).hasSingleBean(BufferEventFactory.class)
                    .hasSingleBean(BufferEventClients.class).hasSingleBean(EventLoopWatchdog.class);
            EventBase base = context.getBean(EventBase.class);
            loop.set(base.loopThread());
            assertThat(loop.get()).isNotNull();
            assertThat(loop.get().getName()).isEqualTo("bufferevent-loop");
            assertThat(loop.get().isAlive()).isTrue();
            BufferEventFactory factory = context.getBean(BufferEventFactory.class);
            assertThat(factory.options()).containsExactlyInAnyOrder(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            assertThat(factory.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(factory.writeTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(factory.readTimeout()).isNull();
            assertThat(factory.maxSingleRead()).isEqualTo(16384);
            assertThat(factory.maxSingleWrite()).isEqualTo(61440);
            assertThat(context.getBean(BufferEventClients.class).all()).isEmpty();
        });
        // The loop thread never outlives the context.
        await().atMost(Duration.ofSeconds(10)).until(() -> !loop.get().isAlive());
    }

    @Test
    void disabledTurnsEverythingOff() {
        runner.withPropertyValues("bufferevent.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(EventBase.class).doesNotHaveBean(BufferEventFactory.class)
                    .doesNotHaveBean(BufferEventClients.class);
        });
    }

    @Test
    void userBeansReplaceOurs() {
        runner.withUserConfiguration(UserBeans.class).run(context -> {
            assertThat(context).hasSingleBean(EventBase.class).hasSingleBean(BufferEventFactory.class);
            assertThat(context.getBean(EventBase.class)).isSameAs(UserBeans.BASE);
            assertThat(context.getBean(BufferEventFactory.class).maxSingleRead()).isEqualTo(1234);
            // Our lifecycle still runs the user's base on its own thread.
            assertThat(UserBeans.BASE.loopThread().getName()).isEqualTo("user-loop");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBeans {
        static final EventBase BASE = EventBase.builder().threadName("user-loop").build();

        @Bean
        EventBase myBase() {
            return BASE;
        }

        @Bean
        BufferEventFactory myFactory(EventBase base) {
            return BufferEventFactory.builder(base).maxSingleRead(1234).build();
        }
    }

    @Test
    void propertiesBindAndReachTheBufferEvents() {
        runner.withPropertyValues(
                "bufferevent.event-base.thread-name=tcp-loop",
                "bufferevent.defaults.connect-timeout=2s",
                "bufferevent.defaults.read-timeout=45s",
                "bufferevent.defaults.write-timeout=0",
                "bufferevent.defaults.read-watermark.low=10B",
                "bufferevent.defaults.read-watermark.high=64KB",
                "bufferevent.defaults.write-watermark.low=1KB",
                "bufferevent.defaults.max-single-read=32KB",
                "bufferevent.defaults.max-single-write=8KB",
                "bufferevent.defaults.options=threadsafe,close-on-free,defer-callbacks").run(context -> {
                    assertThat(context.getBean(EventBase.class).loopThread().getName()).isEqualTo("tcp-loop");
                    BufferEventFactory f = context.getBean(BufferEventFactory.class);
                    assertThat(f.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(f.readTimeout()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(f.writeTimeout()).isNull();
                    assertThat(f.readLowWatermark()).isEqualTo(10);
                    assertThat(f.readHighWatermark()).isEqualTo(65536);
                    assertThat(f.writeLowWatermark()).isEqualTo(1024);
                    assertThat(f.options()).containsExactlyInAnyOrder(BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE,
                            BevOption.DEFER_CALLBACKS);
                    BufferEvent bev = f.socket();
                    assertThat(bev.maxSingleRead()).isEqualTo(32768);
                    assertThat(bev.maxSingleWrite()).isEqualTo(8192);
                    bev.free();
                });
    }

    @Test
    void clientSettingsOverrideTheDefaults() {
        runner.withPropertyValues(
                "bufferevent.defaults.max-single-read=32KB",
                "bufferevent.clients.a.host=localhost", "bufferevent.clients.a.port=1",
                "bufferevent.clients.a.connect-on-startup=false",
                "bufferevent.clients.a.max-single-read=4KB",
                "bufferevent.clients.b.host=localhost", "bufferevent.clients.b.port=2",
                "bufferevent.clients.b.connect-on-startup=false",
                "bufferevent.clients.b.reconnect.on-demand=false", "bufferevent.clients.b.reconnect.log-interval=5m").run(context -> {
                    BufferEventClients clients = context.getBean(BufferEventClients.class);
                    assertThat(clients.names()).containsExactly("a", "b");
                    assertThat(clients.settings("a").reconnectOnDemand).isTrue();
                    assertThat(clients.settings("a").reconnectLogInterval).isEqualTo(java.time.Duration.ofMinutes(1));
                    assertThat(clients.settings("b").reconnectOnDemand).isFalse();
                    assertThat(clients.settings("b").reconnectLogInterval).isEqualTo(java.time.Duration.ofMinutes(5));
                    assertThat(clients.settings("a").connection.maxSingleRead).isEqualTo(4096);
                    assertThat(clients.settings("b").connection.maxSingleRead).isEqualTo(32768);
                    assertThat(clients.get("a").state()).isEqualTo(BufferEventClient.State.STOPPED);
                });
    }

    @Test
    void instrumentationBeanIsUsedForTheBaseTheFactoryAndEachClient() {
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        runner.withBean(BufferEventInstrumentation.class, () -> new BufferEventInstrumentation() {
            @Override
            public Instrumentation forEventBase() {
                asked.add("base");
                return Instrumentation.NOOP;
            }

            @Override
            public Instrumentation forClient(String name) {
                asked.add(name);
                return Instrumentation.NOOP;
            }
        }).withPropertyValues("bufferevent.clients.echo.host=localhost", "bufferevent.clients.echo.port=7",
                "bufferevent.clients.echo.connect-on-startup=false").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(asked).containsExactlyInAnyOrder("base", "default", "echo");
                });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "bufferevent.clients.echo.port|70000|'70000'|a port in 1..65535",
        "bufferevent.clients.echo.port|0|'0'|a port in 1..65535",
        "bufferevent.clients.echo.host| |''|a host name",
        "bufferevent.defaults.read-watermark.low|2KB|'2048B'|no larger than read-watermark.high (1024B)",
        "bufferevent.clients.echo.read-watermark.low|2KB|'2048B'|no larger than read-watermark.high (1024B)",
        "bufferevent.defaults.read-timeout|-1s|'-1s'|a duration of 0 or more",
        "bufferevent.clients.echo.connect-timeout|-5ms|'-5ms'|a duration of 0 or more",
        "bufferevent.event-base.shutdown-timeout|-1s|'-1s'|a duration of 0 or more",
        "bufferevent.event-base.blocked-threshold|0ms|'0s'|a duration greater than 0",
        "bufferevent.defaults.options|THREADSAFE,FAST|'FAST'|CLOSE_ON_FREE, THREADSAFE, DEFER_CALLBACKS, UNLOCK_CALLBACKS",
        "bufferevent.clients.echo.options|TURBO|'TURBO'|CLOSE_ON_FREE, THREADSAFE, DEFER_CALLBACKS, UNLOCK_CALLBACKS",
        "bufferevent.clients.echo.reconnect.multiplier|0.5|'0.5'|1.0 or more",
        "bufferevent.clients.echo.reconnect.jitter|1.5|'1.5'|0.0..1.0",
        "bufferevent.clients.echo.reconnect.initial-backoff|0s|'0s'|greater than 0",
        "bufferevent.clients.echo.reconnect.log-interval|0s|'0s'|greater than 0",
        "bufferevent.clients.echo.max-single-read|0B|'0B'|1B..",
        "bufferevent.clients.echo.max-pending-bytes|-1B|'-1B'|0B or more",
        "bufferevent.clients.echo.write-buffer-low-water-mark|128KB|'131072B'|no larger than write-buffer-high-water-mark",
        "bufferevent.clients.echo.pool-size|0|'0'|a number of connections in 1..64",
        "bufferevent.clients.echo.pool-size|65|'65'|a number of connections in 1..64",
        "bufferevent.clients.echo.reply-timeout|-1s|'-1s'|a duration of 0 (no limit) or more",
        "bufferevent.clients.echo.max-in-flight|0|'0'|a number of 1 or more",
        "bufferevent.clients.echo.addresses|localhost|'localhost'|host:port entries with a port in 1..65535",
        "bufferevent.clients.echo.addresses|a:1,b:70000|'b:70000'|host:port entries",
    })
    void invalidPropertiesStopStartupWithAMessageNamingTheProperty(String key, String value, String shown, String allowed) {
        runner.withPropertyValues(
                "bufferevent.defaults.read-watermark.high=1KB",
                "bufferevent.clients.echo.host=localhost",
                "bufferevent.clients.echo.port=7",
                "bufferevent.clients.echo.connect-on-startup=false",
                key + "=" + (value == null ? "" : value)).run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = context.getStartupFailure();
                    FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(failure);
                    assertThat(analysis).as("analysis of %s", failure).isNotNull();
                    assertThat(analysis.getDescription()).contains("'" + key + "'").contains(shown);
                    assertThat(analysis.getAction()).startsWith("Set '" + key + "' to ").contains(allowed);
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "framing.type=length-field,framing.length-field-bytes=3|framing.length-field-bytes|'3'|1, 2 or 4",
        "framing.type=length-field,framing.length-field-bytes=1,framing.max-frame-length=1KB|framing.max-frame-length|'1024B'|1B..255B",
        "framing.type=line,framing.max-frame-length=0B|framing.max-frame-length|'0B'|a size in 1B..",
        "framing.type=delimiter|framing.delimiter|''|a non-empty delimiter",
    })
    void invalidFramingStopsStartupNamingTheProperty(String settings, String key, String shown, String allowed) {
        java.util.List<String> props = new java.util.ArrayList<>(java.util.List.of("bufferevent.clients.echo.host=localhost",
                "bufferevent.clients.echo.port=7", "bufferevent.clients.echo.connect-on-startup=false"));
        for (String kv : settings.split(",")) {
            props.add("bufferevent.clients.echo." + kv);
        }
        runner.withPropertyValues(props.toArray(new String[0])).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("'bufferevent.clients.echo." + key + "'").contains(shown);
            assertThat(analysis.getAction()).contains(allowed);
        });
    }

    @Test
    void theFailureAnalysisReadsLikeBootsOwn() {
        runner.withPropertyValues("bufferevent.clients.redis.host=localhost", "bufferevent.clients.redis.port=70000")
                .run(context -> {
                    FailureAnalysis analysis = new InvalidBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription())
                            .isEqualTo("The bufferevent property 'bufferevent.clients.redis.port' has the value '70000', which cannot be used.");
                    assertThat(analysis.getAction()).isEqualTo("Set 'bufferevent.clients.redis.port' to a port in 1..65535.");
                });
    }

    @Test
    void theFailureAnalyzerIsRegistered() throws Exception {
        java.util.List<String> analyzers = new java.util.ArrayList<>();
        for (java.net.URL url : java.util.Collections.list(getClass().getClassLoader().getResources("META-INF/spring.factories"))) {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = url.openStream()) {
                p.load(in);
            }
            String names = p.getProperty("org.springframework.boot.diagnostics.FailureAnalyzer", "");
            analyzers.addAll(java.util.Arrays.asList(names.split("\\s*,\\s*")));
        }
        assertThat(analyzers).contains(InvalidBufferEventPropertyFailureAnalyzer.class.getName());
    }

    @Test
    void aHandlerBeanQualifiedWithTheClientNameIsAttached() {
        BufferEventClientHandler mine = new BufferEventClientHandler() {
        };
        runner.withPropertyValues("bufferevent.clients.echo.host=localhost", "bufferevent.clients.echo.port=7",
                "bufferevent.clients.echo.connect-on-startup=false", "bufferevent.clients.other.host=localhost",
                "bufferevent.clients.other.port=8", "bufferevent.clients.other.connect-on-startup=false")
                .withBean("echo", BufferEventClientHandler.class, () -> mine).run(context -> {
                    BufferEventClients clients = context.getBean(BufferEventClients.class);
                    assertThat(clients.get("echo").handler()).isSameAs(mine);
                    assertThat(clients.get("other").handler()).isSameAs(BufferEventClientHandler.NONE);
                });
    }

    @Test
    void theWatchdogCountsACallbackThatBlocksTheLoopOnce() {
        runner.withPropertyValues("bufferevent.event-base.blocked-threshold=100ms").run(context -> {
            EventLoopWatchdog watchdog = context.getBean(EventLoopWatchdog.class);
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            context.getBean(EventBase.class).execute(() -> {
                try {
                    Thread.sleep(400); // the misbehaving callback under test
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
            assertThat(done.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.blockedTurns() == 1);
            context.getBean(EventBase.class).execute(() -> { });
            assertThat(watchdog.blockedTurns()).isEqualTo(1);
        });
    }
}
