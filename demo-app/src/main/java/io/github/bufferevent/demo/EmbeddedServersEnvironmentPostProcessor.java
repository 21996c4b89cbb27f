package io.github.bufferevent.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
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
 * <p>TLS example: the line server also listens with TLS on {@code demo.embedded-echo.tls-port}
 * (0: a port the system chooses; published as {@code local.demo.embedded-echo.tls-port}) unless
 * {@code demo.embedded-echo.tls.enabled=false}, and the {@code echo-tls} client is pointed at it
 * as {@code localhost}, so host name verification checks the certificate's name. The SSL bundles
 * both use are registered here ({@link DemoTlsBundles}, from a certificate made at startup); the
 * TLS listener accepts once {@link EmbeddedTlsBundle} hands it the server's bundle. When no
 * certificate can be made (no keytool), the TLS example is off with one WARN and the rest starts.
 * When it is off, {@code echo-tls} is left out ({@link ClientPropertiesFilter}) unless it was given
 * a host of its own.
 *
 * <p>Threads: Spring calls it once per environment, on the thread that starts the application.
 */
class EmbeddedServersEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String SOURCE_NAME = "demoEmbeddedServers";

    /**
     * One in-process peer: its property key, the client pointed at it, its loop thread's name,
     * its protocol, and the client pointed at its TLS port (null: no TLS listener).
     */
    private record Peer(String key, String client, String threadName, Supplier<ServerProtocol> protocol, String tlsClient) {
    }

    private static final List<Peer> PEERS = List.of(
            new Peer("embedded-echo", "echo", "demo-echo-server", LineEchoProtocol::new, "echo-tls"),
            new Peer("embedded-frames", "frames", "demo-frames-server", UpperCaseFramesProtocol::new, null));

    private final Log log;
    private final DemoTlsBundles tlsBundles;

    /**
     * The constructor Spring Boot uses (public: its factory loader picks the single public one
     * when there are several); the WARN is replayed once logging is set up.
     */
    public EmbeddedServersEnvironmentPostProcessor(DeferredLogFactory logs) {
        this(logs, DemoCertificate::get);
    }

    EmbeddedServersEnvironmentPostProcessor(DeferredLogFactory logs, DemoTlsBundles.CertificateSource certificates) {
        this.log = logs.getLog(EmbeddedServersEnvironmentPostProcessor.class);
        this.tlsBundles = new DemoTlsBundles(certificates);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(SOURCE_NAME)) {
            return;
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        List<EmbeddedServer> servers = new ArrayList<>();
        List<String> clientsWithoutPeer = new ArrayList<>();
        try {
            for (Peer peer : PEERS) {
                if (!environment.getProperty("demo." + peer.key() + ".enabled", Boolean.class, true)) {
                    addIfNotNull(clientsWithoutPeer, peer.tlsClient());
                    continue;
                }
                int port = environment.getProperty("demo." + peer.key() + ".port", Integer.class, 0);
                EmbeddedServer server = new EmbeddedServer(peer.threadName(), port, peer.protocol().get());
                servers.add(server);
                properties.put("local.demo." + peer.key() + ".port", server.port());
                properties.put("bufferevent.clients." + peer.client() + ".host", "127.0.0.1");
                properties.put("bufferevent.clients." + peer.client() + ".port", server.port());
                if (peer.tlsClient() != null && !listenWithTls(environment, peer, server, properties)) {
                    clientsWithoutPeer.add(peer.tlsClient());
                }
            }
        } catch (RuntimeException e) {
            servers.forEach(EmbeddedServer::close); // the application does not start: leave no thread behind
            throw e;
        }
        for (String client : clientsWithoutPeer) {
            if (!ClientPropertiesFilter.hasAddress(environment, client)) {
                ClientPropertiesFilter.forget(environment, client);
            }
        }
        if (!servers.isEmpty()) {
            environment.getPropertySources().addLast(new ServerPropertySource(properties, servers));
        }
    }

    private static void addIfNotNull(List<String> list, String value) {
        if (value != null) {
            list.add(value);
        }
    }

    /**
     * Registers the SSL bundles and binds the TLS listener, pointing the peer's TLS client at it;
     * false when the TLS example is off (switched off, or no certificate could be made).
     */
    private boolean listenWithTls(ConfigurableEnvironment environment, Peer peer, EmbeddedServer server, Map<String, Object> properties) {
        String prefix = "demo." + peer.key() + ".";
        if (!environment.getProperty(prefix + "tls.enabled", Boolean.class, true)) {
            return false;
        }
        try {
            tlsBundles.addTo(environment, properties);
        } catch (DemoCertificate.UnavailableException e) {
            log.warn("TLS example off: the demo cannot make its certificate, because " + e.getMessage() + ". The line server"
                    + " does not listen with TLS and the '" + peer.tlsClient() + "' client is left out; the rest of the demo"
                    + " runs. To have it anyway, configure the SSL bundles spring.ssl.bundle.*." + DemoTlsBundles.SERVER_BUNDLE
                    + " and spring.ssl.bundle.*." + DemoTlsBundles.CLIENT_BUNDLE + " yourself; to silence this, set "
                    + prefix + "tls.enabled=false.");
            return false;
        }
        int port = server.listenTls(environment.getProperty(prefix + "tls-port", Integer.class, 0));
        if (tlsBundles.madeInMillis() >= 0) {
            log.info("TLS example: the line server listens with TLS on 127.0.0.1:" + port + " with a certificate for localhost"
                    + " made by keytool in " + tlsBundles.madeInMillis() + " ms (SSL bundles " + DemoTlsBundles.SERVER_BUNDLE
                    + " and " + DemoTlsBundles.CLIENT_BUNDLE + ")");
        }
        properties.put("local.demo." + peer.key() + ".tls-port", port);
        properties.put("bufferevent.clients." + peer.tlsClient() + ".host", "localhost");
        properties.put("bufferevent.clients." + peer.tlsClient() + ".port", port);
        return true;
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
