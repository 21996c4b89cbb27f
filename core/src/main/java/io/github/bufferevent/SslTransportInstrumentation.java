package io.github.bufferevent;

/**
 * What the socket hidden under {@link BufferEvent#sslSocket} reports, said of the TLS bufferevent
 * the user holds: its connects (the TCP part of connecting) and their failures. Bytes, EOF and I/O
 * errors are not passed on: the TLS bufferevent reports those itself, as plaintext bytes and with
 * their TLS meaning (a close without close_notify, a bad record). Same threads as
 * {@link Instrumentation}; {@link #owner} is set once, before the socket can connect.
 */
final class SslTransportInstrumentation implements Instrumentation {

    private final SafeInstrumentation delegate;
    private volatile BufferEvent owner;

    SslTransportInstrumentation(Instrumentation delegate) {
        this.delegate = SafeInstrumentation.of(delegate);
    }

    void owner(BufferEvent tlsBufferEvent) {
        this.owner = tlsBufferEvent;
    }

    @Override
    public void connectStarted(BufferEvent bev) {
        delegate.connectStarted(owner);
    }

    @Override
    public void connectSucceeded(BufferEvent bev, long nanos) {
        delegate.connectSucceeded(owner, nanos);
    }

    @Override
    public void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
        delegate.connectFailed(owner, outcome, cause, nanos);
    }

    @Override
    public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
        if (kind == ErrorKind.CONNECT || kind == ErrorKind.DNS) {
            delegate.error(owner, kind, cause);
        }
    }
}
