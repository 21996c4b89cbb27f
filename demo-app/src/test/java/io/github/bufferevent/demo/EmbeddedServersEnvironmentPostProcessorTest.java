package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.commons.logging.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The two in-process peers start before the context on loopback, on a port the system chooses or
 * a configured one, point their clients at themselves at the lowest precedence, and can be
 * switched off one by one. The TLS example: the line server's TLS port, {@code echo-tls} pointed
 * at it as localhost, the two SSL bundles registered unless the user configured them, and, with no
 * certificate (no keytool) or switched off, one WARN and {@code echo-tls} left out.
 */
@Timeout(30)
class EmbeddedServersEnvironmentPostProcessorTest {

    private final List<String> warnings = new ArrayList<>();
    private final AtomicInteger certificatesMade = new AtomicInteger();
    private final EmbeddedServersEnvironmentPostProcessor processor = new EmbeddedServersEnvironmentPostProcessor(Supplier::get,
            () -> {
                certificatesMade.incrementAndGet();
                return DemoCertificate.get();
            });

    /** Without keytool: the certificate cannot be made; the WARN goes to {@link #warnings}. */
    private final EmbeddedServersEnvironmentPostProcessor withoutKeytool = new EmbeddedServersEnvironmentPostProcessor(
            destination -> recordingWarnings(warnings), () -> {
                throw new DemoCertificate.UnavailableException("the JDK's keytool is not at /nowhere/bin/keytool");
            });

    private static Log recordingWarnings(List<String> warnings) {
        return (Log) Proxy.newProxyInstance(Log.class.getClassLoader(), new Class<?>[] {Log.class}, (proxy, method, args) -> {
            if (method.getName().equals("warn")) {
                warnings.add(String.valueOf(args[0]));
            }
            return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
        });
    }

    /** The demo's echo-tls settings as application.properties gives them. */
    private static OriginTrackedMapPropertySource applicationProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bufferevent.clients.echo.framing.type", "line");
        p.put("bufferevent.clients.echo-tls.framing.type", "line");
        p.put("bufferevent.clients.echo-tls.ssl.bundle", "demo-client");
        return new OriginTrackedMapPropertySource("Config resource 'class path resource [application.properties]'", p, true);
    }

    private static java.util.Set<String> clientNames(StandardEnvironment env) {
        return Binder.get(env).bind("bufferevent.clients", Bindable.mapOf(String.class, Object.class)).map(Map::keySet).orElse(java.util.Set.of());
    }

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

    private static EmbeddedServer echoServer(StandardEnvironment env) {
        Object source = env.getPropertySources().get(EmbeddedServersEnvironmentPostProcessor.SOURCE_NAME);
        return ((EmbeddedServersEnvironmentPostProcessor.ServerPropertySource) source).servers.get(0);
    }

    @Test
    void theLineServerListensWithTlsAndEchoTlsPointsAtItAsLocalhostWithBothBundles() throws Exception {
        StandardEnvironment env = environment(Map.of());
        processor.postProcessEnvironment(env, new SpringApplication());
        try {
            int tlsPort = env.getProperty("local.demo.embedded-echo.tls-port", Integer.class, 0);
            assertThat(tlsPort).isPositive().isNotEqualTo(env.getProperty("local.demo.embedded-echo.port", Integer.class));
            assertThat(env.getProperty("bufferevent.clients.echo-tls.host")).isEqualTo("localhost");
            assertThat(env.getProperty("bufferevent.clients.echo-tls.port", Integer.class)).isEqualTo(tlsPort);
            assertThat(echoServer(env).tlsPort()).isEqualTo(tlsPort);
            assertThat(echoServer(env).awaitsTls()).as("accepts once the context hands it the bundle").isTrue();

            DemoCertificate certificate = DemoCertificate.get();
            assertThat(env.getProperty("spring.ssl.bundle.jks.demo-server.keystore.location"))
                    .isEqualTo(certificate.keyStore().toUri().toString());
            assertThat(env.getProperty("spring.ssl.bundle.jks.demo-server.keystore.type")).isEqualTo("PKCS12");
            assertThat(env.getProperty("spring.ssl.bundle.jks.demo-server.keystore.password")).isEqualTo(certificate.password());
            assertThat(env.getProperty("spring.ssl.bundle.jks.demo-server.key.alias")).isEqualTo(DemoCertificate.ALIAS);
            assertThat(env.getProperty("spring.ssl.bundle.pem.demo-client.truststore.certificate"))
                    .isEqualTo(certificate.certificatePem().toUri().toString());
            assertThat(certificatesMade).hasValue(1);
        } finally {
            closeServers(env);
        }
    }

    @Test
    void bundlesTheUserConfiguredAreKeptAndThenNoCertificateIsMade() {
        StandardEnvironment env = environment(Map.of("spring.ssl.bundle.pem.demo-server.keystore.certificate", "file:/etc/mine.crt",
                "spring.ssl.bundle.pem.demo-server.keystore.private-key", "file:/etc/mine.key"));
        processor.postProcessEnvironment(env, new SpringApplication());
        try {
            assertThat(certificatesMade).hasValue(0);
            assertThat(env.getProperty("spring.ssl.bundle.jks.demo-server.keystore.location")).isNull();
            assertThat(env.getProperty("spring.ssl.bundle.pem.demo-client.truststore.certificate")).isNull();
            assertThat(env.getProperty("local.demo.embedded-echo.tls-port", Integer.class, 0)).isPositive();
        } finally {
            closeServers(env);
        }

        StandardEnvironment ownClient = environment(Map.of("spring.ssl.bundle.pem.demo-client.truststore.certificate", "file:/etc/ca.crt"));
        processor.postProcessEnvironment(ownClient, new SpringApplication());
        try {
            assertThat(ownClient.getProperty("spring.ssl.bundle.jks.demo-server.keystore.location")).isNotNull();
            assertThat(ownClient.getProperty("spring.ssl.bundle.pem.demo-client.truststore.certificate")).isEqualTo("file:/etc/ca.crt");
        } finally {
            closeServers(ownClient);
        }
    }

    @Test
    void withoutKeytoolTheTlsExampleIsOffWithOneWarnAndTheRestStarts() throws Exception {
        StandardEnvironment env = environment(Map.of());
        env.getPropertySources().addLast(applicationProperties());
        withoutKeytool.postProcessEnvironment(env, new SpringApplication());
        try {
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0)).startsWith("TLS example off").contains("keytool is not at /nowhere/bin/keytool")
                    .contains("'echo-tls' client is left out").contains("demo.embedded-echo.tls.enabled=false");
            assertThat(env.getProperty("local.demo.embedded-echo.tls-port")).isNull();
            assertThat(echoServer(env).tlsPort()).isZero();
            assertThat(env.getProperty("spring.ssl.bundle.jks.demo-server.keystore.location")).isNull();
            assertThat(clientNames(env)).containsExactlyInAnyOrder("echo", "frames"); // echo-tls left out
            assertThat(env.getPropertySources().get("Config resource 'class path resource [application.properties]'"))
                    .isInstanceOf(OriginTrackedMapPropertySource.class);
            for (String peer : new String[] {"echo", "frames"}) {
                int port = env.getProperty("local.demo.embedded-" + peer + ".port", Integer.class, 0);
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    assertThat(s.isConnected()).as(peer).isTrue();
                }
            }
        } finally {
            closeServers(env);
        }
    }

    @Test
    void switchedOffTheTlsExampleMakesNoCertificateAndKeepsAnEchoTlsGivenAHostOfItsOwn() {
        StandardEnvironment off = environment(Map.of("demo.embedded-echo.tls.enabled", "false"));
        off.getPropertySources().addLast(applicationProperties());
        processor.postProcessEnvironment(off, new SpringApplication());
        try {
            assertThat(certificatesMade).hasValue(0);
            assertThat(off.getProperty("local.demo.embedded-echo.tls-port")).isNull();
            assertThat(clientNames(off)).doesNotContain("echo-tls");
        } finally {
            closeServers(off);
        }

        // Pointed at a TLS server of one's own: echo-tls stays, with its own host and bundle.
        StandardEnvironment own = environment(Map.of("demo.embedded-echo.tls.enabled", "false",
                "bufferevent.clients.echo-tls.host", "tls.example", "bufferevent.clients.echo-tls.port", "6380"));
        own.getPropertySources().addLast(applicationProperties());
        processor.postProcessEnvironment(own, new SpringApplication());
        try {
            assertThat(clientNames(own)).contains("echo-tls");
            assertThat(own.getProperty("bufferevent.clients.echo-tls.host")).isEqualTo("tls.example");
            assertThat(own.getProperty("bufferevent.clients.echo-tls.ssl.bundle")).isEqualTo("demo-client");
        } finally {
            closeServers(own);
        }
    }
}
