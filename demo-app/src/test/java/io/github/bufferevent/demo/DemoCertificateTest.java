package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's certificate, made with the JDK's keytool alone: a self-signed EC P-256 certificate
 * for localhost and 127.0.0.1, valid for days, in an owner-only temporary directory; a missing or
 * failing keytool is reported with the reason, never a hang.
 */
@Timeout(60)
class DemoCertificateTest {

    @Test
    void aSelfSignedLocalhostCertificateMadeWithTheJdksKeytool() throws Exception {
        DemoCertificate made = DemoCertificate.get();
        assertThat(DemoCertificate.get()).isSameAs(made); // keytool runs once per JVM

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(made.keyStore())) {
            store.load(in, made.password().toCharArray());
        }
        assertThat(store.isKeyEntry(DemoCertificate.ALIAS)).isTrue();
        X509Certificate certificate = (X509Certificate) store.getCertificate(DemoCertificate.ALIAS);
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(certificate.getIssuerX500Principal()).isEqualTo(certificate.getSubjectX500Principal());
        certificate.verify(certificate.getPublicKey()); // self-signed
        assertThat(certificate.getSubjectAlternativeNames()).containsExactlyInAnyOrder(List.of(2, "localhost"), List.of(7, "127.0.0.1"));
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // serverAuth
        ECPublicKey key = (ECPublicKey) certificate.getPublicKey();
        assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        Duration validity = Duration.between(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
        assertThat(validity).isEqualTo(Duration.ofDays(DemoCertificate.VALIDITY_DAYS));
        certificate.checkValidity();

        X509Certificate fromPem;
        try (InputStream in = Files.newInputStream(made.certificatePem())) {
            fromPem = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(fromPem).isEqualTo(certificate);
        assertThat(Files.readString(made.certificatePem())).doesNotContain("PRIVATE KEY");

        Path dir = made.keyStore().getParent();
        assertThat(dir.getFileName().toString()).startsWith("bufferevent-demo-tls-");
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        }
    }

    @Test
    void aMissingKeytoolIsReportedWithWhereItWasLookedFor() {
        Path missing = Path.of(System.getProperty("java.io.tmpdir"), "no-such-jdk", "bin", "keytool");
        assertThatThrownBy(() -> DemoCertificate.make(missing)).isInstanceOf(DemoCertificate.UnavailableException.class)
                .hasMessageContaining("keytool is not at " + missing);
    }

    @Test
    void aFailingKeytoolIsReportedWithItsExitCode() {
        Path fails = Path.of("/bin/false");
        assumeThat(Files.isExecutable(fails)).as("/bin/false exists").isTrue();
        assertThatThrownBy(() -> DemoCertificate.make(fails)).isInstanceOf(DemoCertificate.UnavailableException.class)
                .hasMessageContaining("keytool exited with 1");
    }
}
