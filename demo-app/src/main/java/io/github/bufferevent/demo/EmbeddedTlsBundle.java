package io.github.bufferevent.demo;

import java.util.List;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.stereotype.Component;

/**
 * Hands the {@value DemoTlsBundles#SERVER_BUNDLE} SSL bundle from the context's {@link SslBundles}
 * to the embedded line server's TLS listener, which accepts from then on, and hands it the bundle
 * again whenever Boot reloads it ({@code reload-on-update}). Runs while the context creates its
 * beans, so before the named clients connect (they start with the context's lifecycle); a client
 * that connects earlier waits in the listener's accept queue.
 *
 * <p>Threads: Spring's, at startup; a bundle update on Boot's file-watcher thread.
 */
@Component
class EmbeddedTlsBundle {

    EmbeddedTlsBundle(ConfigurableEnvironment environment, SslBundles bundles) {
        Object source = environment.getPropertySources().get(EmbeddedServersEnvironmentPostProcessor.SOURCE_NAME);
        List<EmbeddedServer> servers = source instanceof EmbeddedServersEnvironmentPostProcessor.ServerPropertySource s
                ? s.servers : List.of();
        for (EmbeddedServer server : servers) {
            if (server.awaitsTls()) {
                start(server, bundles);
            }
        }
    }

    private static void start(EmbeddedServer server, SslBundles bundles) {
        String name = DemoTlsBundles.SERVER_BUNDLE;
        try {
            server.acceptTls(new ServerEngines(bundles.getBundle(name)));
            bundles.addBundleUpdateHandler(name, updated -> server.acceptTls(new ServerEngines(updated)));
        } catch (NoSuchSslBundleException e) {
            throw new IllegalStateException("the embedded line server listens with TLS (demo.embedded-echo.tls.enabled) but there"
                    + " is no SSL bundle '" + name + "': configure spring.ssl.bundle.jks." + name + ".* or spring.ssl.bundle.pem."
                    + name + ".*, or set demo.embedded-echo.tls.enabled=false", e);
        }
    }
}
