package io.github.bufferevent;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;

/**
 * The filter backend ({@code bufferevent_filter.c}): a bufferevent on top of another one, the
 * underlying. It takes the underlying's callbacks over, as libevent does: the underlying's reads
 * feed the input filter ({@link FilterInput}), its drained output pulls more through the output
 * filter ({@link FilterOutput}), and its events (CONNECTED, EOF, errors, timeouts) are passed up.
 * Connecting, the channel and the remote address are the underlying's. Freeing the filter frees
 * the underlying with CLOSE_ON_FREE, else hands it back with no callbacks. Loop thread (or before
 * the loop runs), the bufferevent's lock held, unless a method says otherwise.
 */
final class FilterBackend extends BevBackend {

    private final BufferEvent underlying;
    private final FilterInput in;
    private final FilterOutput out;
    /** The callbacks set on the underlying, kept to tell whether they are still ours. */
    private final BufferEvent.ReadCallback onRead = this::underlyingRead;
    private final BufferEvent.WriteCallback onWrite = this::underlyingWrite;
    private final BufferEvent.EventCallback onEvent = this::underlyingEvent;
    /** FLUSH asked for on the write side, done at the end of the turn. */
    private boolean flushAsked;
    /** The directions enabled at the last sync: the user enabling one again enables it on the underlying too. */
    private int lastEnabled;
    /** This filter's connect timeout is giving the underlying's connect up: its TIMEOUT is ours already. */
    private boolean abandoningConnect;

    FilterBackend(BufferEvent bev, BufferEvent underlying, BevFilter input, BevFilter output) {
        super(bev);
        this.underlying = underlying;
        this.in = new FilterInput(bev, underlying, input);
        this.out = new FilterOutput(bev, underlying, output);
    }

    /**
     * Any thread (the bufferevent was just created): takes the underlying's callbacks over and
     * has the loop enable its reading and writing, with reading suspended until the filter reads.
     */
    void attach() {
        underlying.callbacks.set(onRead, onWrite, onEvent);
        underlying.stackUnder(bev); // a graceful shutdown finishes the underlying through this filter, after its trailer
        onLoop(() -> underlying.enable(Ev.READ | Ev.WRITE));
    }

    /**
     * Any thread: on the loop (now, or handed over), under the lock, unless freed: {@code action},
     * then this bufferevent's state and timers are made to match the underlying's.
     */
    private void onLoop(Runnable action) {
        if (!bev.base().onLoopOrIdle()) {
            bev.threads.execute(() -> onLoop(action));
            return;
        }
        bev.lock();
        try {
            if (!bev.isFreed() && !underlying.isFreed()) {
                action.run();
                mirrorState();
                bev.refresh();
            }
        } finally {
            bev.unlock();
        }
    }

    // ------------------------------------------------------------------ the underlying's callbacks

    private void underlyingRead(BufferEvent u) {
        fromUnderlying(Ev.READ, 0);
    }

    private void underlyingWrite(BufferEvent u) {
        fromUnderlying(Ev.WRITE, 0);
    }

    private void underlyingEvent(BufferEvent u, int what) {
        fromUnderlying(0, what);
    }

    /** The underlying read ({@code Ev.READ}), drained its output ({@code Ev.WRITE}), or reports {@code events}. */
    private void fromUnderlying(int io, int events) {
        bev.lock();
        try {
            if (bev.isFreed()) {
                return;
            }
            if (io == Ev.READ) {
                in.process();
            } else if (io == Ev.WRITE) {
                out.process(BevFlush.NORMAL);
            } else if (!abandoningConnect) {
                if (mirrorState()) {
                    bev.refresh(); // CONNECTED starts this filter's read and write timers, a failed connect ends its connect timer
                }
                if ((events & BevEvent.EOF) != 0 && (events & BevEvent.READING) != 0 && !in.finish()) {
                    return; // the input filter failed on the last bytes: ERROR|READING was reported instead
                }
                passUp(events);
            }
        } finally {
            bev.unlock();
        }
    }

    /** An event of the underlying becomes this bufferevent's: the direction disabled first, the cause copied. */
    private void passUp(int what) {
        if ((what & (BevEvent.EOF | BevEvent.ERROR | BevEvent.TIMEOUT)) != 0) {
            int off = ((what & BevEvent.READING) != 0 ? Ev.READ : 0) | ((what & BevEvent.WRITING) != 0 ? Ev.WRITE : 0);
            if (off != 0) {
                bev.disable(off);
            }
        }
        if ((what & BevEvent.ERROR) != 0) {
            bev.io.setSocketError(underlying.socketError());
        }
        bev.callbacks.event(what);
    }

    /** This bufferevent's connection state becomes the underlying's (NEW, CONNECTING, CONNECTED); true if it changed. Any thread. */
    private boolean mirrorState() {
        int s = bev.life.state();
        int us = underlying.life.state();
        if (s == us || s >= BevLifecycle.FREED || us >= BevLifecycle.FREED || !bev.life.move(s, us)) {
            return false;
        }
        if (us == BevLifecycle.CONNECTED) {
            bev.life.markConnected();
        }
        return true;
    }

    // ------------------------------------------------------------------ slots

    @Override
    void sync() {
        if (bev.life.isReleased()) {
            return;
        }
        boolean pending = in.sync();
        if (bev.writes.finishing()) {
            out.finish();
        } else if (out.wantsPass()) {
            pending = true;
        }
        int enabled = bev.enabled();
        int enabledAgain = enabled & ~lastEnabled & ~underlying.enabled();
        lastEnabled = enabled;
        if (enabledAgain != 0 && !underlying.isFreed()) {
            underlying.enable(enabledAgain); // disabled with this one by a timeout or an error that was passed up
        }
        if (pending) {
            bev.requestFlush();
        }
    }

    @Override
    void flushWrite(BevFlush mode) {
        if (mode == BevFlush.FINISHED) {
            out.finish();
            return;
        }
        flushAsked |= mode == BevFlush.FLUSH;
        bev.requestFlush();
    }

    @Override
    boolean finishesOnShutdown() {
        return true;
    }

    @Override
    void outputAdded() {
        if (out.wantsPass()) {
            bev.requestFlush();
        }
    }

    @Override
    void flushQueued() {
        in.processLeftBehind();
        if (bev.isFreed()) {
            return;
        }
        BevFlush mode = flushAsked ? BevFlush.FLUSH : BevFlush.NORMAL;
        flushAsked = false;
        out.process(mode);
    }

    @Override
    void connectTimedOut() {
        // This filter's own connect timeout expired (it reports WRITING|TIMEOUT itself): give the
        // underlying's connect up too, without passing its TIMEOUT up a second time.
        abandoningConnect = true;
        try {
            underlying.io.timedOut(BevEvent.WRITING);
        } finally {
            abandoningConnect = false;
        }
        mirrorState();
    }

    @Override
    void destruct() {
        in.close();
        out.close();
        if (bev.closeOnFree) {
            underlying.free();
            return;
        }
        if (underlying.callbacks.eventCallback() == onEvent) {
            underlying.callbacks.set(null, null, null);
        }
        if (!underlying.isFreed()) {
            in.release();
        }
    }

    @Override
    void baseClosed() {
        // The underlying is live in the same base and closes on its own. A filter's resources
        // (zlib memory) are left to the JDK's cleaner: the loop thread may still be inside it.
    }

    @Override
    BufferEvent underlying() {
        return underlying;
    }

    @Override
    SocketChannel channel() {
        return underlying.channel();
    }

    @Override
    void connect(SocketAddress address) throws IOException {
        bev.checkNotFreed();
        underlying.connect(address);
        onLoop(() -> { }); // CONNECTING: this filter's connect timer starts
    }

    @Override
    void connectHostname(String host, int port) {
        bev.checkNotFreed();
        underlying.connectHostname(host, port);
        onLoop(() -> { });
    }

    @Override
    Throwable dnsError() {
        return underlying.dnsError();
    }

    @Override
    SocketAddress remoteAddress() {
        return underlying.remoteAddress();
    }

    @Override
    String kind() {
        return "filter";
    }
}
