package io.github.bufferevent.client;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a TLS connection agreed on, as an immutable copy: protocol, cipher suite, and the peer
 * certificate's subject and expiry (never keys, never the live session, which could be
 * invalidated through it). Any thread.
 *
 * @param protocol such as {@code TLSv1.3}
 * @param cipherSuite such as {@code TLS_AES_256_GCM_SHA384}
 * @param peerSubject the peer certificate's subject (RFC 2253), or null if the peer sent none
 * @param peerCertificateExpires the peer certificate's notAfter, or null if the peer sent none
 */
public record TlsInfo(String protocol, String cipherSuite, String peerSubject, Instant peerCertificateExpires) {

    /** A copy of what {@code session} agreed on; null for a null session. Any thread. */
    public static TlsInfo of(SSLSession session) {
        if (session == null) {
            return null;
        }
        String subject = null;
        Instant expires = null;
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate) {
                X509Certificate leaf = (X509Certificate) chain[0];
                subject = leaf.getSubjectX500Principal().getName();
                expires = leaf.getNotAfter().toInstant();
            }
        } catch (SSLPeerUnverifiedException e) {
            // no peer certificate (an anonymous suite, or the session is not established)
        }
        return new TlsInfo(session.getProtocol(), session.getCipherSuite(), subject, expires);
    }
}
