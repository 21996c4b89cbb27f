package io.github.bufferevent.autoconfigure;

import java.security.NoSuchAlgorithmException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * The TLS material of one client: the {@code SSLContext} its next connection uses and the
 * bundle's protocols and cipher suites applied to each new engine. With a bundle, an update of
 * the bundle (Boot's bundle update handlers, e.g. a reloaded PEM file) replaces the context, so new
 * connections take the new material while live ones keep theirs. Without one, the JDK's default
 * context. {@link #get} and {@link #accept} run on the thread opening a connection (the loop);
 * updates arrive on Boot's file watcher thread.
 */
final class ClientTls implements Supplier<SSLContext>, Consumer<SSLEngine> {

    private static final Log LOG = LogFactory.getLog(ClientTls.class);

    private final String clientName;
    private final String bundleName;
    /** The context and options, swapped together when the bundle changes. */
    private volatile Material material;
    /**
     * What {@link #get} last handed out on this thread, so {@link #accept} applies the options
     * that belong to that context even if an update swapped the material in between.
     */
    private final ThreadLocal<Material> handedOut = new ThreadLocal<>();

    private ClientTls(String clientName, String bundleName, Material material) {
        this.clientName = clientName;
        this.bundleName = bundleName;
        this.material = material;
    }

    /**
     * The TLS of the client {@code clientName} as {@code settings} say, or null when TLS is off.
     *
     * @throws InvalidBufferEventPropertyException naming the bundle property when the bundle does not exist
     */
    static ClientTls of(String clientName, ConnectionSettings settings, SslBundles bundles) {
        if (!settings.sslEnabled) {
            return null;
        }
        if (settings.sslBundle == null) {
            try {
                return new ClientTls(clientName, null, new Material(SSLContext.getDefault(), SslOptions.NONE));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no default SSLContext for client '" + clientName + "'", e);
            }
        }
        if (bundles == null) {
            throw new InvalidBufferEventPropertyException(settings.sslBundleProperty, settings.sslBundle,
                    "the name of an SSL bundle, which needs Spring Boot's SslBundles bean (SslAutoConfiguration)");
        }
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(settings.sslBundle);
        } catch (NoSuchSslBundleException e) {
            throw new InvalidBufferEventPropertyException(settings.sslBundleProperty, settings.sslBundle,
                    "the name of an SSL bundle under spring.ssl.bundle (configured: " + bundles.getBundleNames() + ")");
        }
        Material material;
        try {
            material = Material.of(bundle);
        } catch (RuntimeException e) {
            throw new InvalidBufferEventPropertyException(settings.sslBundleProperty, settings.sslBundle,
                    "an SSL bundle whose context and options this JDK can use (" + e.getMessage() + ")");
        }
        ClientTls tls = new ClientTls(clientName, settings.sslBundle, material);
        bundles.addBundleUpdateHandler(settings.sslBundle, tls::update);
        return tls;
    }

    /** The bundle's name, or null for the JDK's default context. */
    String bundleName() {
        return bundleName;
    }

    /** The context for the next connection. */
    @Override
    public SSLContext get() {
        Material m = material;
        handedOut.set(m);
        return m.context;
    }

    /** Applies the bundle's protocols and cipher suites, when it names any, to a new engine. */
    @Override
    public void accept(SSLEngine engine) {
        Material m = handedOut.get();
        handedOut.remove();
        (m != null ? m : material).apply(engine);
    }

    private void update(SslBundle bundle) {
        try {
            material = Material.of(bundle);
            LOG.info("SSL bundle '" + bundleName + "' was updated: new connections of bufferevent client '" + clientName
                    + "' use it, live ones keep theirs");
        } catch (RuntimeException e) {
            LOG.error("SSL bundle '" + bundleName + "' was updated but cannot make an SSLContext; bufferevent client '"
                    + clientName + "' keeps the previous material", e);
        }
    }

    private record Material(SSLContext context, SslOptions options) {

        /**
         * The bundle's context and options, tried on one engine first: a protocol or cipher suite
         * this JDK lacks fails here (at startup, or in an update, which then keeps the old
         * material), not at every connect attempt afterwards.
         */
        static Material of(SslBundle bundle) {
            SslOptions options = bundle.getOptions();
            Material m = new Material(bundle.createSslContext(), options != null ? options : SslOptions.NONE);
            SSLEngine probe = m.context.createSSLEngine();
            probe.setUseClientMode(true);
            m.apply(probe);
            return m;
        }

        void apply(SSLEngine engine) {
            if (options.getEnabledProtocols() != null) {
                engine.setEnabledProtocols(options.getEnabledProtocols());
            }
            if (options.getCiphers() != null) {
                engine.setEnabledCipherSuites(options.getCiphers());
            }
        }
    }
}
