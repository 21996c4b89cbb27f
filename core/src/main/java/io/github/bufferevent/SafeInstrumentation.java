package io.github.bufferevent;

/**
 * The {@link Instrumentation} a bufferevent calls: forwards to the user's and catches and logs
 * whatever it throws, so a failing meter never reaches the I/O path. Same threads as the
 * instrumentation it wraps.
 */
final class SafeInstrumentation implements Instrumentation {

    private final Instrumentation delegate;

    private SafeInstrumentation(Instrumentation delegate) {
        this.delegate = delegate;
    }

    static SafeInstrumentation of(Instrumentation delegate) {
        return delegate instanceof SafeInstrumentation ? (SafeInstrumentation) delegate : new SafeInstrumentation(delegate);
    }

    /** The wrapped instrumentation. */
    Instrumentation delegate() {
        return delegate;
    }

    @Override
    public void created(BufferEvent bev) {
        try { delegate.created(bev); } catch (Throwable t) { failed("created", t); }
    }

    @Override
    public void freed(BufferEvent bev) {
        try { delegate.freed(bev); } catch (Throwable t) { failed("freed", t); }
    }

    @Override
    public void connectStarted(BufferEvent bev) {
        try { delegate.connectStarted(bev); } catch (Throwable t) { failed("connectStarted", t); }
    }

    @Override
    public void connectSucceeded(BufferEvent bev, long nanos) {
        try { delegate.connectSucceeded(bev, nanos); } catch (Throwable t) { failed("connectSucceeded", t); }
    }

    @Override
    public void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
        try { delegate.connectFailed(bev, outcome, cause, nanos); } catch (Throwable t) { failed("connectFailed", t); }
    }

    @Override
    public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
        try { delegate.error(bev, kind, cause); } catch (Throwable t) { failed("error", t); }
    }

    @Override
    public void handshakeStarted(BufferEvent bev) {
        try { delegate.handshakeStarted(bev); } catch (Throwable t) { failed("handshakeStarted", t); }
    }

    @Override
    public void handshakeFinished(BufferEvent bev, HandshakeOutcome outcome, Throwable cause, long nanos) {
        try { delegate.handshakeFinished(bev, outcome, cause, nanos); } catch (Throwable t) { failed("handshakeFinished", t); }
    }

    @Override
    public void eof(BufferEvent bev) {
        try { delegate.eof(bev); } catch (Throwable t) { failed("eof", t); }
    }

    @Override
    public void timeout(BufferEvent bev, int what) {
        try { delegate.timeout(bev, what); } catch (Throwable t) { failed("timeout", t); }
    }

    @Override
    public void bytesRead(BufferEvent bev, long n) {
        try { delegate.bytesRead(bev, n); } catch (Throwable t) { failed("bytesRead", t); }
    }

    @Override
    public void bytesWritten(BufferEvent bev, long n) {
        try { delegate.bytesWritten(bev, n); } catch (Throwable t) { failed("bytesWritten", t); }
    }

    @Override
    public void rateLimitSuspended(BufferEvent bev, int direction) {
        try { delegate.rateLimitSuspended(bev, direction); } catch (Throwable t) { failed("rateLimitSuspended", t); }
    }

    @Override
    public void loopTurn(EventBase base, long nanos) {
        try { delegate.loopTurn(base, nanos); } catch (Throwable t) { failed("loopTurn", t); }
    }

    private static void failed(String what, Throwable t) {
        LoopLog.log(System.Logger.Level.WARNING, "instrumentation failed on " + what, t);
    }
}
