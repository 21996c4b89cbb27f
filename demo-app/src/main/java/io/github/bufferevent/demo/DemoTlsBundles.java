package io.github.bufferevent.demo;

import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The TLS example's two Spring Boot SSL bundles, registered through properties before the
 * context binds them: {@value #SERVER_BUNDLE} (the embedded line server's key and certificate,
 * a PKCS12 key store) and {@value #CLIENT_BUNDLE} (a trust store holding that certificate alone,
 * for the {@code echo-tls} client). Both come from one {@link DemoCertificate} made at startup,
 * unless the user configured {@value #SERVER_BUNDLE} under {@code spring.ssl.bundle.jks.*} or
 * {@code spring.ssl.bundle.pem.*}: then nothing is made or added (give {@value #CLIENT_BUNDLE}
 * too, trusting that server). A {@value #CLIENT_BUNDLE} the user configured is never replaced.
 *
 * <p>Threads: the thread that starts the application; {@link #addTo} may wait for keytool.
 */
final class DemoTlsBundles {

    static final String SERVER_BUNDLE = "demo-server";
    static final String CLIENT_BUNDLE = "demo-client";

    /** Where the certificate comes from (the JDK's keytool, or a test's). */
    @FunctionalInterface
    interface CertificateSource {
        DemoCertificate get() throws DemoCertificate.UnavailableException;
    }

    private final CertificateSource certificates;
    private long madeInMillis = -1;

    DemoTlsBundles(CertificateSource certificates) {
        this.certificates = certificates;
    }

    /**
     * Puts the properties of the bundles the user did not configure into {@code properties},
     * making the certificate if the server's bundle is missing.
     *
     * @throws DemoCertificate.UnavailableException if the certificate cannot be made (the TLS
     *     example is then off)
     */
    void addTo(ConfigurableEnvironment environment, Map<String, Object> properties) throws DemoCertificate.UnavailableException {
        madeInMillis = -1;
        if (configured(environment, SERVER_BUNDLE)) {
            return;
        }
        long start = System.nanoTime();
        DemoCertificate certificate = certificates.get();
        madeInMillis = (System.nanoTime() - start) / 1_000_000;
        String server = "spring.ssl.bundle.jks." + SERVER_BUNDLE + ".";
        properties.put(server + "keystore.location", certificate.keyStore().toUri().toString());
        properties.put(server + "keystore.type", "PKCS12");
        properties.put(server + "keystore.password", certificate.password());
        properties.put(server + "key.alias", DemoCertificate.ALIAS);
        if (!configured(environment, CLIENT_BUNDLE)) {
            properties.put("spring.ssl.bundle.pem." + CLIENT_BUNDLE + ".truststore.certificate",
                    certificate.certificatePem().toUri().toString());
        }
    }

    /** How long the last {@link #addTo} waited for the certificate, or -1 if it needed none. */
    long madeInMillis() {
        return madeInMillis;
    }

    /** Whether any property of the bundle named {@code name} is set, as JKS or PEM bundle (relaxed names too). */
    static boolean configured(ConfigurableEnvironment environment, String name) {
        Binder binder = Binder.get(environment);
        for (String kind : new String[] {"jks", "pem"}) {
            boolean bound = binder.bind("spring.ssl.bundle." + kind + "." + name, Bindable.mapOf(String.class, Object.class))
                    .map(m -> !m.isEmpty()).orElse(false);
            if (bound) {
                return true;
            }
        }
        return false;
    }
}
