package io.github.bufferevent;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A test certificate authority made with the JDK alone (EC P-256 keys, X.509 v3 certificates
 * encoded here in DER and signed with SHA256withECDSA): a CA, a server certificate for
 * {@code localhost} and {@code 127.0.0.1}, a client certificate, and a second CA nobody trusts.
 * Made once per JVM; {@link #writePem} writes the files an {@code openssl} peer needs.
 */
public final class TestPki {

    public static final String HOST = "localhost";
    static final char[] PASSWORD = "changeit".toCharArray();

    private static TestPki instance;

    final KeyPair caKey;
    final X509Certificate ca;
    final KeyPair otherCaKey;
    final X509Certificate otherCa;
    final KeyPair serverKey;
    final X509Certificate server;
    final KeyPair clientKey;
    final X509Certificate client;
    final KeyPair strangerKey;
    /** A server certificate for localhost issued by the CA nobody trusts. */
    final X509Certificate stranger;

    private final AtomicLong serial = new AtomicLong(1000);

    private TestPki() throws GeneralSecurityException {
        caKey = newKey();
        ca = issue("bufferevent test CA", caKey.getPublic(), "bufferevent test CA", caKey, true, false, null);
        otherCaKey = newKey();
        otherCa = issue("some other CA", otherCaKey.getPublic(), "some other CA", otherCaKey, true, false, null);
        serverKey = newKey();
        server = issue(HOST, serverKey.getPublic(), "bufferevent test CA", caKey, false, true, HOST);
        clientKey = newKey();
        client = issue("bufferevent test client", clientKey.getPublic(), "bufferevent test CA", caKey, false, false, null);
        strangerKey = newKey();
        stranger = issue(HOST, strangerKey.getPublic(), "some other CA", otherCaKey, false, true, HOST);
    }

    public static synchronized TestPki get() {
        if (instance == null) {
            try {
                instance = new TestPki();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot make the test certificates", e);
            }
        }
        return instance;
    }

    // ------------------------------------------------------------------ contexts

    /** The server's context: its certificate (and the CA), trusting the CA (for client certificates). */
    public SSLContext serverContext() {
        return context(serverKey, new X509Certificate[] {server, ca}, ca);
    }

    /** A server context whose certificate comes from the untrusted CA. */
    SSLContext strangerServerContext() {
        return context(strangerKey, new X509Certificate[] {stranger, otherCa}, ca);
    }

    /** A client context trusting the CA, without a certificate of its own. */
    SSLContext clientContext() {
        return context(null, null, ca);
    }

    /** A client context trusting the CA, with the client certificate (mutual TLS). */
    SSLContext clientContextWithCertificate() {
        return context(clientKey, new X509Certificate[] {client, ca}, ca);
    }

    /** A client context trusting only the other CA. */
    SSLContext clientContextTrustingOtherCa() {
        return context(null, null, otherCa);
    }

    /**
     * A client context trusting the CA that counts the checks of server certificates in
     * {@code checks}: a resumed session makes none.
     */
    SSLContext clientContextCountingServerChecks(AtomicInteger checks) {
        X509TrustManager real = (X509TrustManager) trustManagers(ca)[0];
        X509TrustManager counting = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                real.checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                checks.incrementAndGet();
                real.checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return real.getAcceptedIssuers();
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {counting}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrustManager[] trustManagers(X509Certificate trusted) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private SSLContext context(KeyPair key, X509Certificate[] chain, X509Certificate trusted) {
        try {
            KeyManagerFactory kmf = null;
            if (key != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("key", key.getPrivate(), PASSWORD, chain);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, PASSWORD);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), trustManagers(trusted), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client engine for {@code host}: SNI, and the host name verified against the certificate ("HTTPS"). */
    static SSLEngine clientEngine(SSLContext ctx, String host, int port) {
        SSLEngine engine = ctx.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(p);
        return engine;
    }

    /** A server engine; with {@code needClientAuth} a client without a certificate is refused. */
    static SSLEngine serverEngine(SSLContext ctx, boolean needClientAuth) {
        SSLEngine engine = ctx.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setNeedClientAuth(needClientAuth);
        return engine;
    }

    // ------------------------------------------------------------------ files for openssl

    /** Writes ca.pem, server.pem (with the CA), server.key, client.pem, client.key into {@code dir}. */
    public void writePem(Path dir) throws IOException {
        Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", encoded(ca)));
        Files.writeString(dir.resolve("server.pem"), pem("CERTIFICATE", encoded(server)) + pem("CERTIFICATE", encoded(ca)));
        Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
        Files.writeString(dir.resolve("client.pem"), pem("CERTIFICATE", encoded(client)) + pem("CERTIFICATE", encoded(ca)));
        Files.writeString(dir.resolve("client.key"), pem("PRIVATE KEY", clientKey.getPrivate().getEncoded()));
    }

    /** The certificate of the CA nobody trusts, in PEM. */
    public String otherCaPem() {
        return pem("CERTIFICATE", encoded(otherCa));
    }

    private static byte[] encoded(Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    // ------------------------------------------------------------------ certificates

    private static KeyPair newKey() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private X509Certificate issue(String subject, PublicKey subjectKey, String issuer, KeyPair issuerKey, boolean isCa,
            boolean serverAuth, String dnsName) throws GeneralSecurityException {
        byte[] sigAlg = seq(oid("1.2.840.10045.4.3.2")); // ecdsa-with-SHA256
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        ext.writeBytes(extension("2.5.29.19", true, isCa ? seq(bool(true)) : seq())); // basicConstraints
        ext.writeBytes(extension("2.5.29.15", true, isCa ? bits(1, 0x06) : bits(7, 0x80))); // keyUsage: certSign+crlSign, or digitalSignature
        ext.writeBytes(extension("2.5.29.14", false, octets(keyId(subjectKey)))); // subjectKeyIdentifier
        ext.writeBytes(extension("2.5.29.35", false, seq(der(0x80, keyId(issuerKey.getPublic()))))); // authorityKeyIdentifier
        if (!isCa) {
            ext.writeBytes(extension("2.5.29.37", false, serverAuth ? seq(oid("1.3.6.1.5.5.7.3.1")) : seq(oid("1.3.6.1.5.5.7.3.2"))));
        }
        if (dnsName != null) {
            ext.writeBytes(extension("2.5.29.17", false, seq(der(0x82, dnsName.getBytes(StandardCharsets.US_ASCII)),
                    der(0x87, new byte[] {127, 0, 0, 1}))));
        }
        byte[] tbs = seq(der(0xa0, integer(BigInteger.TWO)), integer(BigInteger.valueOf(serial.incrementAndGet())), sigAlg,
                name(issuer), seq(time(now.minus(1, ChronoUnit.HOURS)), time(now.plus(2, ChronoUnit.DAYS))), name(subject),
                subjectKey.getEncoded(), der(0xa3, seq(ext.toByteArray())));
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(issuerKey.getPrivate());
        signer.update(tbs);
        byte[] cert = seq(tbs, sigAlg, bits(0, signer.sign()));
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(cert));
    }

    private static byte[] keyId(PublicKey key) throws GeneralSecurityException {
        return MessageDigest.getInstance("SHA-1").digest(key.getEncoded());
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? seq(oid(oid), bool(true), octets(value)) : seq(oid(oid), octets(value));
    }

    private static byte[] name(String commonName) {
        return seq(der(0x31, seq(oid("2.5.4.3"), der(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] time(Instant t) {
        String s = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t);
        return der(0x17, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] seq(byte[]... parts) {
        return der(0x30, parts);
    }

    private static byte[] bool(boolean b) {
        return der(0x01, new byte[] {(byte) (b ? 0xff : 0)});
    }

    private static byte[] octets(byte[] b) {
        return der(0x04, b);
    }

    private static byte[] integer(BigInteger v) {
        return der(0x02, v.toByteArray());
    }

    /** A BIT STRING of {@code bytes} whose last {@code unused} bits do not count. */
    private static byte[] bits(int unused, int... bytes) {
        byte[] b = new byte[bytes.length + 1];
        b[0] = (byte) unused;
        for (int i = 0; i < bytes.length; i++) {
            b[i + 1] = (byte) bytes[i];
        }
        return der(0x03, b);
    }

    private static byte[] bits(int unused, byte[] bytes) {
        byte[] b = new byte[bytes.length + 1];
        b[0] = (byte) unused;
        System.arraycopy(bytes, 0, b, 1, bytes.length);
        return der(0x03, b);
    }

    private static byte[] oid(String dotted) {
        String[] p = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(p[0]) * 40 + Integer.parseInt(p[1]));
        for (int i = 2; i < p.length; i++) {
            long v = Long.parseLong(p[i]);
            int groups = 1;
            while ((v >> (7 * groups)) != 0) {
                groups++;
            }
            for (int g = groups - 1; g >= 0; g--) {
                out.write((int) ((v >> (7 * g)) & 0x7f) | (g == 0 ? 0 : 0x80));
            }
        }
        return der(0x06, out.toByteArray());
    }

    private static byte[] der(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        int n = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    /** Private keys are not shown in failure messages. */
    @Override
    public String toString() {
        return "TestPki[" + ca.getSubjectX500Principal() + "]";
    }
}
