package io.github.bufferevent.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** A misspelt key under {@code bufferevent.} stops startup, naming it and the closest valid key. */
class UnknownPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BufferEventAutoConfiguration.class));

    @ParameterizedTest
    @CsvSource({
        "bufferevent.clients.redis.hots=localhost, bufferevent.clients.redis.hots, bufferevent.clients.redis.host",
        "bufferevent.clients.redis.ssl.bundel=b, bufferevent.clients.redis.ssl.bundel, bufferevent.clients.redis.ssl.bundle",
        "bufferevent.clients.redis.reconnect.max-backof=1s, bufferevent.clients.redis.reconnect.max-backof, bufferevent.clients.redis.reconnect.max-backoff",
        "bufferevent.default.connect-timeout=1s, bufferevent.default.connect-timeout, bufferevent.defaults.connect-timeout",
        "bufferevent.eventbase.thread-nam=x, bufferevent.eventbase.thread-nam, bufferevent.event-base.thread-name",
        "bufferevent.rate-limit-groups.up.write-rat=1KB, bufferevent.rate-limit-groups.up.write-rat, bufferevent.rate-limit-groups.up.write-rate",
        "bufferevent.health.stuck-treshold=1s, bufferevent.health.stuck-treshold, bufferevent.health.stuck-threshold",
    })
    void aMisspeltKeyStopsStartupNamingTheClosestValidOne(String setting, String key, String closest) {
        runner.withPropertyValues("bufferevent.clients.redis.host=localhost", "bufferevent.clients.redis.port=6379",
                "bufferevent.clients.redis.connect-on-startup=false", setting).run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new UnknownBufferEventPropertyFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).as("analysis of %s", context.getStartupFailure()).isNotNull();
                    assertThat(analysis.getDescription()).contains("'" + key + "'").contains("not a bufferevent setting");
                    assertThat(analysis.getAction()).contains("Did you mean '" + closest + "'?");
                });
    }

    @Test
    void everyDocumentedFormIsAccepted() {
        runner.withPropertyValues(
                "bufferevent.fail-on-unknown-properties=true",
                "bufferevent.event-base.thread-name=loop", "bufferevent.eventBase.shutdownTimeout=5s",
                "bufferevent.defaults.options[0]=THREADSAFE", "bufferevent.defaults.options[1]=CLOSE_ON_FREE",
                "bufferevent.defaults.read-watermark.high=1MB", "bufferevent.defaults.ssl.handshake-timeout=5s",
                "bufferevent.defaults.rate-limit.tick=1s",
                "bufferevent.clients.redis.host=localhost", "bufferevent.clients.redis.port=6379",
                "bufferevent.clients.redis.connect-on-startup=false",
                "bufferevent.clients.redis.framing.type=line", "bufferevent.clients.redis.framing.eol=CRLF",
                "bufferevent.clients.redis.reconnect.jitter=0.1",
                "bufferevent.clients.redis.ssl.enabled=false", "bufferevent.clients.redis.rate-limit.write-rate=1MB",
                "bufferevent.clients.[my.client].addresses[0]=localhost:1", "bufferevent.clients.[my.client].connect-on-startup=false",
                "bufferevent.rate-limit-groups.up.write-rate=1MB", "bufferevent.rate-limit-groups.up.min-share=1KB",
                "bufferevent.health.client-down-is-down=true").run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void theCheckCanBeTurnedOff() {
        runner.withPropertyValues("bufferevent.fail-on-unknown-properties=false", "bufferevent.clients.redis.host=localhost",
                "bufferevent.clients.redis.port=6379", "bufferevent.clients.redis.connect-on-startup=false",
                "bufferevent.clients.redis.hots=x").run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void allUnknownKeysAreListedAndTheFirstComesWithItsOrigin() {
        runner.withPropertyValues("bufferevent.clients.a.host=localhost", "bufferevent.clients.a.port=1",
                "bufferevent.clients.a.connect-on-startup=false", "bufferevent.clients.a.prot=2", "bufferevent.clients.a.hots=x")
                .run(context -> {
                    UnknownBufferEventPropertyException e = (UnknownBufferEventPropertyException) findCause(context.getStartupFailure());
                    assertThat(e.getProperty()).isEqualTo("bufferevent.clients.a.hots");
                    assertThat(e.getOthers()).containsExactly("bufferevent.clients.a.prot");
                });
    }

    /** Environment variables cannot tell a client name with underscores from a key: they are not checked. */
    @Test
    void environmentVariablesAreNotChecked() {
        runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME + "-test",
                Map.of("BUFFEREVENT_CLIENTS_MY_APP_HOST", "localhost"))))
                .withPropertyValues("bufferevent.clients.redis.host=localhost", "bufferevent.clients.redis.port=6379",
                        "bufferevent.clients.redis.connect-on-startup=false")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void otherPrefixesAreNotOurs() {
        runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(
                new MapPropertySource("other", Map.of("buffereventx.anything", "1", "spring.whatever", "2"))))
                .run(context -> assertThat(context).hasNotFailed());
    }

    private static Throwable findCause(Throwable t) {
        while (t != null && !(t instanceof UnknownBufferEventPropertyException)) {
            t = t.getCause();
        }
        return t;
    }
}
