package io.github.bufferevent.demo;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Unless {@code demo.embedded-echo.enabled=false}, starts the in-process echo server and points
 * the {@code echo} client at it (host and port), so the demo works with nothing else installed.
 * The property source carries the server; {@link EmbeddedEchoLifecycle} closes it with the context.
 */
class EmbeddedEchoEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String SOURCE_NAME = "demoEmbeddedEchoServer";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getProperty("demo.embedded-echo.enabled", Boolean.class, true)
                || environment.getPropertySources().contains(SOURCE_NAME)) {
            return;
        }
        EmbeddedEchoServer server = new EmbeddedEchoServer();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("demo.embedded-echo.port", server.port());
        properties.put("bufferevent.clients.echo.host", "127.0.0.1");
        properties.put("bufferevent.clients.echo.port", server.port());
        environment.getPropertySources().addLast(new ServerPropertySource(properties, server));
    }

    /** Low-precedence defaults that also hold the running server. */
    static final class ServerPropertySource extends MapPropertySource {
        final EmbeddedEchoServer server;

        ServerPropertySource(Map<String, Object> properties, EmbeddedEchoServer server) {
            super(SOURCE_NAME, properties);
            this.server = server;
        }
    }
}
