package io.github.bufferevent.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's throwaway TLS identity: a self-signed certificate for {@code localhost} (SAN
 * {@code dns:localhost}, {@code ip:127.0.0.1}, an EC P-256 key, valid for {@link #VALIDITY_DAYS}
 * days), made at startup by the JDK's own {@code keytool}, run once as a subprocess with a
 * bounded wait. Nothing else needs to be installed and no key is ever committed: the files live in
 * a fresh temporary directory (owner-only) deleted when the JVM exits.
 *
 * <ul>
 *   <li>{@link #keyStore()}: a PKCS12 store holding the key and certificate under {@link #ALIAS},
 *       protected by {@link #password()} (random per run), for the server's bundle;
 *   <li>{@link #certificatePem()}: the certificate alone in PEM, for the client's trust store.
 * </ul>
 *
 * <p>One per JVM ({@link #get}): a JVM that starts several contexts (the tests) pays for keytool
 * once.
 *
 * <p>Threads: {@link #get} and {@link #make} block while keytool runs (at most {@link #WAIT_SECONDS}
 * seconds); call them at startup, never on a loop thread. Instances are immutable.
 */
final class DemoCertificate {

    static final String ALIAS = "demo-server";
    static final int VALIDITY_DAYS = 7;
    static final long WAIT_SECONDS = 30;
    private static final String PASSWORD_VARIABLE = "BUFFEREVENT_DEMO_STOREPASS";

    private static DemoCertificate made;

    private final Path keyStore;
    private final Path certificatePem;
    private final String password;

    private DemoCertificate(Path keyStore, Path certificatePem, String password) {
        this.keyStore = keyStore;
        this.certificatePem = certificatePem;
        this.password = password;
    }

    /** The JDK's keytool: {@code ${java.home}/bin/keytool} (or {@code keytool.exe}). */
    static Path jdkKeytool() {
        Path bin = Path.of(System.getProperty("java.home"), "bin");
        Path exe = bin.resolve("keytool.exe");
        return Files.isRegularFile(exe) ? exe : bin.resolve("keytool");
    }

    /** This JVM's certificate, made on first call with the JDK's keytool. */
    static synchronized DemoCertificate get() throws UnavailableException {
        if (made == null) {
            made = make(jdkKeytool());
        }
        return made;
    }

    /**
     * Makes a certificate with the {@code keytool} at {@code keytool}.
     *
     * @throws UnavailableException saying why, if keytool is missing, fails or takes longer than
     *     {@link #WAIT_SECONDS} seconds
     */
    static DemoCertificate make(Path keytool) throws UnavailableException {
        if (!Files.isExecutable(keytool)) {
            throw new UnavailableException("the JDK's keytool is not at " + keytool + " (a runtime without the JDK tools?)");
        }
        try {
            Path dir = Files.createTempDirectory("bufferevent-demo-tls-"); // rwx------ where POSIX
            dir.toFile().deleteOnExit(); // registered first, so deleted last (after its files)
            Path store = deletedOnExit(dir.resolve("demo-server.p12"));
            Path output = deletedOnExit(dir.resolve("keytool.out"));
            Path pem = deletedOnExit(dir.resolve("demo-server.crt"));
            String password = randomPassword();
            runKeytool(keytool, store, password, output);
            Files.writeString(pem, pem(certificate(store)), StandardCharsets.US_ASCII);
            return new DemoCertificate(store, pem, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new UnavailableException("making it failed: " + e, e);
        }
    }

    private static void runKeytool(Path keytool, Path store, String password, Path output) throws IOException, UnavailableException {
        List<String> command = new ArrayList<>(List.of(keytool.toString(),
                // A short-lived JVM: the C1 compiler alone and the serial collector roughly halve its run.
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC",
                // The certificate is public: stored unencrypted, it reads without the password.
                "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
                // The password is 128 random bits, so stretching it (PKCS12's 10,000 PBKDF2 rounds,
                // there against guessable passwords) adds nothing; one round saves ~0.5 s of startup
                // where the context loads the store. The key stays encrypted, in an owner-only directory.
                "-J-Dkeystore.pkcs12.keyPbeIterationCount=1", "-J-Dkeystore.pkcs12.macIterationCount=1",
                "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth",
                "-validity", Integer.toString(VALIDITY_DAYS), "-keystore", store.toString(), "-storetype", "PKCS12",
                // the password travels in the environment, not on a command line other users can list
                "-storepass:env", PASSWORD_VARIABLE, "-noprompt"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put(PASSWORD_VARIABLE, password);
        Process process = builder.start();
        boolean exited;
        try {
            exited = process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while keytool ran");
        }
        if (!exited) {
            process.destroyForcibly();
            throw new UnavailableException("keytool did not finish within " + WAIT_SECONDS + " s");
        }
        if (process.exitValue() != 0) {
            throw new UnavailableException("keytool exited with " + process.exitValue() + ": "
                    + Files.readString(output, StandardCharsets.UTF_8).strip());
        }
    }

    private static Path deletedOnExit(Path file) {
        file.toFile().deleteOnExit();
        return file;
    }

    private static String randomPassword() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * The certificate, read without the password: keytool stored it unencrypted, and without a
     * password PKCS12 skips the integrity check's key derivation (the context's bundle checks it).
     */
    private static Certificate certificate(Path store) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, null);
        }
        Certificate certificate = keyStore.getCertificate(ALIAS);
        if (certificate == null) {
            throw new GeneralSecurityException("keytool wrote no certificate under '" + ALIAS + "' in " + store);
        }
        return certificate;
    }

    private static String pem(Certificate certificate) throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    /** The PKCS12 store with the key and certificate under {@link #ALIAS}. */
    Path keyStore() {
        return keyStore;
    }

    /** The certificate alone, PEM-encoded. */
    Path certificatePem() {
        return certificatePem;
    }

    /** The store's password (random per run; never logged). */
    String password() {
        return password;
    }

    @Override
    public String toString() {
        return "DemoCertificate[CN=localhost in " + keyStore + "]";
    }

    /** No certificate could be made; the message says why. */
    static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }

        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
