package io.github.bufferevent.demo;

import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;

/**
 * Server-side {@link SSLEngine}s from a Spring Boot {@link SslBundle}: the bundle's
 * {@link SSLContext} is made once, each {@link #get()} makes one engine in server mode with the
 * bundle's enabled protocols and cipher suites, when it names any.
 *
 * <p>Threads: construct on any thread (it builds the context, which may read key files); {@link #get()}
 * on any thread, without blocking (the embedded server calls it on its loop thread).
 */
final class ServerEngines implements Supplier<SSLEngine> {

    private final SSLContext context;
    private final SslOptions options;

    ServerEngines(SslBundle bundle) {
        this.context = bundle.createSslContext();
        this.options = bundle.getOptions();
    }

    @Override
    public SSLEngine get() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        if (options.getEnabledProtocols() != null) {
            engine.setEnabledProtocols(options.getEnabledProtocols());
        }
        if (options.getCiphers() != null) {
            engine.setEnabledCipherSuites(options.getCiphers());
        }
        return engine;
    }
}
