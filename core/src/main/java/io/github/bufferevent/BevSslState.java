package io.github.bufferevent;

/**
 * libevent's {@code BUFFEREVENT_SSL_OPEN}, {@code _CONNECTING} and {@code _ACCEPTING}: where the
 * {@link javax.net.ssl.SSLEngine} given to {@link BufferEvent#sslSocket} or
 * {@link BufferEvent#sslFilter} stands. Plain constants; any thread may use them.
 */
public enum BevSslState {
    /**
     * The engine is past its handshake (or the caller set its mode and lets it handshake on the
     * first data): the bufferevent counts as connected as soon as its transport is, and reports
     * {@link BevEvent#CONNECTED} only if it had to wait for a connect.
     */
    OPEN,
    /**
     * Client side: the engine is put in client mode, the handshake starts once the transport is
     * connected (at once if it already is), and {@link BevEvent#CONNECTED} is reported when the
     * handshake completes.
     */
    CONNECTING,
    /**
     * Server side (an accepted channel, as from {@link ConnectionListener}): the engine is put in
     * server mode and waits for the peer's hello; {@link BevEvent#CONNECTED} when the handshake
     * completes, never for a failed one.
     */
    ACCEPTING
}
