package io.github.bufferevent;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The client engines the library builds itself ({@link BufferEventFactory#ssl}), secure by
 * default: the server name goes out as SNI (unless it is an IP address) and the certificate must
 * match it (endpoint identification "HTTPS"). Turning the match off is an explicit setting, which
 * logs a WARN the first time. Any thread.
 */
final class SslClientEngines {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private SslClientEngines() {
    }

    /**
     * A client-mode engine for {@code serverName}:{@code port}.
     *
     * @throws IllegalArgumentException if the server name is blank or the port outside 1..65535
     */
    static SSLEngine create(SSLContext context, String serverName, int port, boolean verifyHostname) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(serverName, "serverName");
        if (serverName.isBlank()) {
            throw new IllegalArgumentException("serverName must not be blank");
        }
        BevChecks.port(port);
        SSLEngine engine = context.createSSLEngine(serverName, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        if (verifyHostname) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (!isIpLiteral(serverName)) {
            p.setServerNames(List.of(new SNIHostName(serverName))); // also for single-label names the JDK leaves out
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /** Host name verification was turned off for a factory: say so, once. */
    static void warnVerificationOff() {
        if (WARNED.compareAndSet(false, true)) {
            LoopLog.log(System.Logger.Level.WARNING, "TLS host name verification is turned off (BufferEventFactory.Builder"
                    + ".sslVerifyHostname(false)): any certificate the trust store accepts is taken for any server name, which "
                    + "lets a man in the middle pass for the server. Logged once.");
        }
    }

    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || IPV4.matcher(name).matches();
    }
}
