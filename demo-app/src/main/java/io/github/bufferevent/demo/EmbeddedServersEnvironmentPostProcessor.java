package io.github.bufferevent.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the demo's in-process peers before the context, so it works with nothing else installed:
 * the line server for the {@code echo} client ({@code demo.embedded-echo.*}) and the
 * length-prefixed frame server for the {@code frames} client ({@code demo.embedded-frames.*}).
 * Each is on unless {@code .enabled=false}, listens on 127.0.0.1 at {@code .port} (0, the default:
 * a port the system chooses), and its client is pointed at it (host and port, at the lowest
 * precedence, so a client configured elsewhere wins). The actual ports are published as
 * {@code local.demo.embedded-echo.port} and {@code local.demo.embedded-frames.port}. The property
 * source carries the servers; {@link EmbeddedServersLifecycle} closes them with the context.
 *
 * <p>Threads: Spring calls it once per environment, on the thread that starts the application.
 */
class EmbeddedServersEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String SOURCE_NAME = "demoEmbeddedServers";

    /** One in-process peer: its property key, the client pointed at it, its loop thread's name and its protocol. */
    private record Peer(String key, String client, String threadName, Supplier<ServerProtocol> protocol) {
    }

    private static final List<Peer> PEERS = List.of(
            new Peer("embedded-echo", "echo", "demo-echo-server", LineEchoProtocol::new),
            new Peer("embedded-frames", "frames", "demo-frames-server", UpperCaseFramesProtocol::new));

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(SOURCE_NAME)) {
            return;
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        List<EmbeddedServer> servers = new ArrayList<>();
        try {
            for (Peer peer : PEERS) {
                if (!environment.getProperty("demo." + peer.key() + ".enabled", Boolean.class, true)) {
                    continue;
                }
                int port = environment.getProperty("demo." + peer.key() + ".port", Integer.class, 0);
                EmbeddedServer server = new EmbeddedServer(peer.threadName(), port, peer.protocol().get());
                servers.add(server);
                properties.put("local.demo." + peer.key() + ".port", server.port());
                properties.put("bufferevent.clients." + peer.client() + ".host", "127.0.0.1");
                properties.put("bufferevent.clients." + peer.client() + ".port", server.port());
            }
        } catch (RuntimeException e) {
            servers.forEach(EmbeddedServer::close); // the application does not start: leave no thread behind
            throw e;
        }
        if (!servers.isEmpty()) {
            environment.getPropertySources().addLast(new ServerPropertySource(properties, servers));
        }
    }

    /** Low-precedence defaults that also hold the running servers. */
    static final class ServerPropertySource extends MapPropertySource {
        final List<EmbeddedServer> servers;

        ServerPropertySource(Map<String, Object> properties, List<EmbeddedServer> servers) {
            super(SOURCE_NAME, properties);
            this.servers = List.copyOf(servers);
        }
    }
}
