package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The two in-process peers start before the context on loopback, on a port the system chooses or
 * a configured one, point their clients at themselves at the lowest precedence, and can be
 * switched off one by one.
 */
@Timeout(30)
class EmbeddedServersEnvironmentPostProcessorTest {

    private final EmbeddedServersEnvironmentPostProcessor processor = new EmbeddedServersEnvironmentPostProcessor();

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return env;
    }

    private static void closeServers(StandardEnvironment env) {
        Object source = env.getPropertySources().get(EmbeddedServersEnvironmentPostProcessor.SOURCE_NAME);
        if (source instanceof EmbeddedServersEnvironmentPostProcessor.ServerPropertySource s) {
            s.servers.forEach(EmbeddedServer::close);
        }
    }

    @Test
    void bothPeersStartOnLoopbackAndTheirClientsPointAtThem() throws Exception {
        StandardEnvironment env = environment(Map.of());
        processor.postProcessEnvironment(env, new SpringApplication());
        try {
            for (String peer : new String[] {"echo", "frames"}) {
                int port = env.getProperty("local.demo.embedded-" + peer + ".port", Integer.class, 0);
                assertThat(port).as(peer).isPositive();
                assertThat(env.getProperty("bufferevent.clients." + peer + ".host")).isEqualTo("127.0.0.1");
                assertThat(env.getProperty("bufferevent.clients." + peer + ".port", Integer.class)).isEqualTo(port);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    assertThat(s.isConnected()).as(peer).isTrue();
                }
            }
            // Run again on the same environment (Spring may): nothing more is started.
            processor.postProcessEnvironment(env, new SpringApplication());
            assertThat(env.getPropertySources().stream().filter(p -> p.getName().equals(EmbeddedServersEnvironmentPostProcessor.SOURCE_NAME)))
                    .hasSize(1);
        } finally {
            closeServers(env);
        }
    }

    @Test
    void aConfiguredPortIsUsedAndAClientConfiguredElsewhereWins() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }
        StandardEnvironment env = environment(Map.of("demo.embedded-frames.port", free, "bufferevent.clients.echo.port", 6379,
                "bufferevent.clients.echo.host", "redis.example"));
        processor.postProcessEnvironment(env, new SpringApplication());
        try {
            assertThat(env.getProperty("local.demo.embedded-frames.port", Integer.class)).isEqualTo(free);
            assertThat(env.getProperty("bufferevent.clients.frames.port", Integer.class)).isEqualTo(free);
            assertThat(env.getProperty("bufferevent.clients.echo.host")).isEqualTo("redis.example");
            assertThat(env.getProperty("bufferevent.clients.echo.port", Integer.class)).isEqualTo(6379);
        } finally {
            closeServers(env);
        }
    }

    @Test
    void eachPeerCanBeSwitchedOff() throws IOException {
        StandardEnvironment env = environment(Map.of("demo.embedded-echo.enabled", "false"));
        processor.postProcessEnvironment(env, new SpringApplication());
        try {
            assertThat(env.getProperty("local.demo.embedded-echo.port")).isNull();
            assertThat(env.getProperty("bufferevent.clients.echo.host")).isNull();
            assertThat(env.getProperty("local.demo.embedded-frames.port", Integer.class)).isPositive();
        } finally {
            closeServers(env);
        }

        StandardEnvironment none = environment(Map.of("demo.embedded-echo.enabled", "false", "demo.embedded-frames.enabled", "false"));
        processor.postProcessEnvironment(none, new SpringApplication());
        assertThat(none.getPropertySources().contains(EmbeddedServersEnvironmentPostProcessor.SOURCE_NAME)).isFalse();
    }
}
