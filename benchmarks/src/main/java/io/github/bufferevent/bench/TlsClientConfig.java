package io.github.bufferevent.bench;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * What both TLS clients share, so they differ only in the library around the engine: the JDK
 * provider, one protocol ({@value #PROTOCOL}) and one cipher suite ({@value #CIPHER_SUITE}), a
 * trust store holding only the server's certificate (the script generates it), and the server name
 * {@value #SERVER_NAME} sent as SNI and checked against the certificate (endpoint identification
 * "HTTPS"). Main thread only.
 */
final class TlsClientConfig {

    static final String PROTOCOL = "TLSv1.3";
    static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";
    static final String SERVER_NAME = "localhost";

    private final TrustManagerFactory trust;

    TlsClientConfig(Path serverCertPem) throws IOException, GeneralSecurityException {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(serverCertPem)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("server", cert);
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
    }

    /** The JDK context for this project's client ({@code BufferEventFactory.ssl}). */
    SSLContext jdkContext() throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** Narrows an engine made by {@code BufferEventFactory.ssl} (SNI and "HTTPS" already set) to the one protocol and suite. */
    static void restrict(SSLEngine engine) {
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setCipherSuites(new String[] {CIPHER_SUITE});
        engine.setSSLParameters(p);
    }

    /** Netty's client context on the JDK provider with the same trust, protocol, suite and name check. */
    SslContext nettyContext() throws IOException {
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(trust).protocols(PROTOCOL)
                .ciphers(List.of(CIPHER_SUITE)).endpointIdentificationAlgorithm("HTTPS").build();
    }
}
