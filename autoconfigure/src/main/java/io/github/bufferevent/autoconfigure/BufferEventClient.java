package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A named client from {@code bufferevent.clients.<name>}: owns one connection to host:port,
 * reconnects with exponential backoff and jitter (resolving the host again each time), and buffers
 * writes made while disconnected to send them first after the reconnect. What it holds unsent
 * (pending while disconnected plus the connection's output) is bounded by
 * {@code max-pending-bytes}; between {@code write-buffer-high-water-mark} and
 * {@code write-buffer-low-water-mark} it reports itself unwritable ({@link #isWritable()},
 * {@link #awaitWritable}, {@link #whenWritable()}, the handler's
 * {@link BufferEventClientHandler#onWritabilityChanged}), as Netty's channel writability.
 *
 * <p>Threads: {@link #write}, {@link #connect}, {@link #close} and every getter may be called from
 * any thread; a write never waits for anything a callback holds (the bytes are handed to the loop).
 * The {@link BufferEventClientHandler} runs on the loop thread. The client's own lock is never
 * held while user code runs.
 */
public final class BufferEventClient {

    /** Where a client is in its life. */
    public enum State {
        /** Not started (connect-on-startup=false), or disconnected with reconnecting disabled. */
        STOPPED,
        /** Resolving the host or connecting. */
        CONNECTING,
        /** Connected. */
        CONNECTED,
        /** Waiting before the next reconnect attempt. */
        BACKOFF,
        /** Closing: writes are refused, pending output drains. */
        CLOSING,
        /** Closed for good. */
        CLOSED
    }

    private static final Log LOG = LogFactory.getLog(BufferEventClient.class);

    private final ClientSettings settings;
    private final EventBase base;
    private final BufferEventFactory factory;
    private final ReentrantLock lock = new ReentrantLock();
    private final EvBuffer pending = new EvBuffer();
    private final List<Consumer<BufferEvent>> configurers = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    private final BufferEvent.ReadCallback readCallback = this::onRead;
    private final BufferEvent.WriteCallback writeCallback = this::onDrained;
    private final BufferEvent.EventCallback eventCallback = this::onEvent;

    private volatile State state = State.STOPPED;
    private volatile BufferEventClientHandler handler = BufferEventClientHandler.NONE;
    private BufferEvent bev;
    private volatile BufferEvent published;
    private volatile int attempt;
    private volatile long reconnects;
    private volatile long pendingBytes;
    private volatile Throwable lastError;
    private volatile Instant lastErrorAt;
    private volatile Instant connectedSince;
    private volatile SocketAddress remoteAddress;
    private volatile boolean writable = true;
    /** Completed while writable; a new one while not. */
    private volatile CompletableFuture<Void> writableAgain = CompletableFuture.completedFuture(null);

    BufferEventClient(ClientSettings settings, EventBase base, BufferEventFactory factory) {
        this.settings = settings;
        this.base = base;
        this.factory = factory;
    }

    /** The client's name (the key under {@code bufferevent.clients}). */
    public String name() {
        return settings.name;
    }

    /** The configured host. */
    public String host() {
        return settings.host;
    }

    /** The configured port. */
    public int port() {
        return settings.port;
    }

    /** Attaches the application's handler (replacing the previous one); null restores the default. */
    public BufferEventClient setHandler(BufferEventClientHandler handler) {
        this.handler = handler == null ? BufferEventClientHandler.NONE : handler;
        return this;
    }

    /** The attached handler ({@link BufferEventClientHandler#NONE} until one is set). */
    public BufferEventClientHandler handler() {
        return handler;
    }

    /** Adds code that adjusts every new bufferevent of this client before it connects (on the loop thread). */
    public BufferEventClient configureBufferEvent(Consumer<BufferEvent> configurer) {
        configurers.add(Objects.requireNonNull(configurer, "configurer"));
        return this;
    }

    /**
     * Starts connecting (done at startup unless {@code connect-on-startup=false}). Does nothing if
     * already started.
     *
     * @throws IllegalStateException if the client is closed
     */
    public void connect() {
        lock.lock();
        try {
            if (state == State.CLOSING || state == State.CLOSED) {
                throw new IllegalStateException("client '" + name() + "' is closed");
            }
            if (state != State.STOPPED) {
                return;
            }
            state = State.CONNECTING;
        } finally {
            lock.unlock();
        }
        base.execute(this::attempt);
    }

    /**
     * Writes {@code data}: straight to the connection when connected, else into the pending buffer
     * that is sent first after the (re)connect. Any thread; each call's bytes stay contiguous and
     * in the order the calls returned; the call never waits for the loop.
     *
     * @throws PendingLimitExceededException if the client would hold more than max-pending-bytes unsent
     * @throws IllegalStateException if the client is closing or closed
     */
    public void write(byte[] data) {
        write(data, 0, Objects.requireNonNull(data, "data").length);
    }

    /** Writes {@code len} bytes of {@code data} from {@code off}; see {@link #write(byte[])}. */
    public void write(byte[] data, int off, int len) {
        Objects.requireNonNull(data, "data");
        Objects.checkFromIndexSize(off, len, data.length);
        // Under the client's lock, which the loop never holds while user code runs: the
        // bufferevent hands a foreign thread's bytes over without its own lock, so this cannot
        // deadlock, and onEvent's "count unsent, then free" sees every write or none of it.
        lock.lock();
        try {
            while (true) {
                reconcile();
                State s = state;
                if (s == State.CLOSING || s == State.CLOSED) {
                    throw new IllegalStateException("client '" + name() + "' is " + s.name().toLowerCase() + "; writes are refused");
                }
                long held = heldBytes();
                if (held + len > settings.maxPendingBytes) {
                    throw new PendingLimitExceededException(name(), s == State.CONNECTED, held, len, settings.maxPendingBytes);
                }
                if (s == State.CONNECTED && bev != null) {
                    try {
                        bev.write(data, off, len);
                    } catch (IllegalStateException e) {
                        if (!bev.isFreed()) {
                            throw e;
                        }
                        continue; // freed behind our back (base closing): reconcile() decides, then buffer or refuse
                    }
                } else {
                    pending.add(data, off, len);
                    pendingBytes = pending.length();
                }
                if (writable && held + len >= settings.writeBufferHighWaterMark) {
                    changeWritability(false);
                }
                return;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code text} as UTF-8; see {@link #write(byte[])}. */
    public void write(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Closes the client: writes are refused from now on, reconnecting stops, and the output
     * written so far drains before the write side is shut down (the event base's graceful
     * shutdown waits for it). Bytes pending while disconnected cannot be sent and are reported.
     */
    public void close() {
        BufferEvent target;
        long discarded = 0;
        lock.lock();
        try {
            if (state == State.CLOSING || state == State.CLOSED) {
                return;
            }
            State was = state;
            target = bev;
            if (target == null) {
                discarded = dropPending();
                state = State.CLOSED;
            } else {
                state = State.CLOSING;
                if (was != State.CONNECTED) {
                    target = null; // still connecting: the CONNECTED event sends pending output, then finishes
                }
            }
        } finally {
            lock.unlock();
        }
        if (discarded > 0) {
            LOG.warn("client '" + name() + "' closed while disconnected: " + discarded + " pending bytes could not be sent");
        }
        if (target != null) {
            try {
                target.flush(Ev.WRITE, BevFlush.FINISHED);
            } catch (IllegalStateException freed) {
                // disconnected meanwhile: onEvent has reported it
            }
        }
        firstConnect.completeExceptionally(new IllegalStateException("client '" + name() + "' was closed"));
        writableAgain.completeExceptionally(new IllegalStateException("client '" + name() + "' was closed"));
    }

    /**
     * Whether the client takes writes without piling up: it holds less than
     * {@code write-buffer-high-water-mark} unsent (or has drained to the low mark since), and is
     * not closing. A write while unwritable still succeeds up to {@code max-pending-bytes}.
     */
    public boolean isWritable() {
        State s = state();
        return writable && s != State.CLOSING && s != State.CLOSED;
    }

    /**
     * Waits until the client is writable again (see {@link #isWritable()}), at most {@code timeout}.
     * Not on the loop thread, which is what makes the client writable again.
     *
     * @return true if writable, false on timeout or when the client closed
     * @throws IllegalStateException if called on the loop thread
     */
    public boolean awaitWritable(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (base.inLoopThread()) {
            throw new IllegalStateException("awaitWritable would block the loop thread that drains the output; "
                    + "use whenWritable() or BufferEventClientHandler.onWritabilityChanged there");
        }
        try {
            writableAgain.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            return false;
        }
        return isWritable();
    }

    /**
     * A future completed when the client is writable (already completed if it is now), or
     * completed exceptionally when it closes. Complete it yourself and nothing happens to the client.
     */
    public CompletableFuture<Void> whenWritable() {
        return writableAgain.copy();
    }

    /**
     * Waits until the client is connected for the first time.
     *
     * @return true if connected within {@code timeout}, false if it failed or timed out
     */
    public boolean awaitConnected(Duration timeout) {
        try {
            firstConnect.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return isConnected();
        }
    }

    CompletableFuture<Void> firstConnect() {
        return firstConnect;
    }

    ClientSettings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ state, any thread

    /** The current state. */
    public State state() {
        State s = state;
        if ((s == State.CONNECTED || s == State.CLOSING) && bevFreedWithoutEvent()) {
            lock.lock();
            try {
                reconcile();
                s = state;
            } finally {
                lock.unlock();
            }
        }
        return s;
    }

    /** Whether the connection is up. */
    public boolean isConnected() {
        return state() == State.CONNECTED;
    }

    private boolean bevFreedWithoutEvent() {
        BufferEvent b = published;
        return b != null && b.isFreed();
    }

    /** Unsent bytes the client holds: pending while disconnected plus the connection's output (a snapshot). */
    public long heldBytes() {
        lock.lock();
        try {
            BufferEvent b = bev;
            return pending.length() + (b == null ? 0 : b.bufferedOutput());
        } finally {
            lock.unlock();
        }
    }

    /** Consecutive failed attempts since the last successful connect (0 when connected). */
    public int reconnectAttempt() {
        return attempt;
    }

    /** Successful reconnects (connects after the first) so far. */
    public long reconnects() {
        return reconnects;
    }

    /** The last connection error, or null. */
    public Throwable lastError() {
        return lastError;
    }

    /** When the last error happened, or null. */
    public Instant lastErrorAt() {
        return lastErrorAt;
    }

    /** Since when the current connection is up, or null. */
    public Instant connectedSince() {
        return state == State.CONNECTED ? connectedSince : null;
    }

    /** The peer of the current (or last) connection, or null. */
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Bytes written while disconnected and waiting for the connection. */
    public long pendingBytes() {
        return pendingBytes;
    }

    /** Input bytes buffered on the current connection. */
    public long bufferedInput() {
        BufferEvent b = published;
        return b == null ? 0 : b.bufferedInput();
    }

    /** Output bytes buffered on the current connection (not counting {@link #pendingBytes()}). */
    public long bufferedOutput() {
        BufferEvent b = published;
        return b == null ? 0 : b.bufferedOutput();
    }

    /** The bufferevent of the current connection attempt, or null (for diagnostics and advanced use). */
    public BufferEvent bufferEvent() {
        return published;
    }

    @Override
    public String toString() {
        return "BufferEventClient[" + name() + " -> " + settings.host + ":" + settings.port + ", " + state + "]";
    }

    // ------------------------------------------------------------------ loop thread

    private void attempt() {
        lock.lock();
        try {
            if (state != State.CONNECTING && state != State.BACKOFF) {
                return;
            }
            state = State.CONNECTING;
            BufferEvent b = factory.socket();
            for (Consumer<BufferEvent> c : configurers) {
                c.accept(b);
            }
            b.setCallbacks(readCallback, writeCallback, eventCallback);
            // The write callback runs once the output drains to the low water mark: writable again.
            b.setWatermark(Ev.WRITE, settings.writeBufferLowWaterMark, 0);
            b.enable(Ev.READ);
            bev = b;
            published = b;
            b.connectHostname(settings.host, settings.port);
        } catch (Exception e) {
            BufferEvent b = bev;
            bev = null;
            published = null;
            if (b != null) {
                b.free();
            }
            disconnected(BevEvent.ERROR, e, 0, false);
        } finally {
            lock.unlock();
        }
    }

    private void onRead(BufferEvent b) {
        if (b != bev) {
            return;
        }
        handler.onRead(this, b.input()); // a throw is logged and counted by the bufferevent
    }

    /** Loop thread: the output drained to the low water mark (or below). */
    private void onDrained(BufferEvent b) {
        if (writable || b != bev) {
            return;
        }
        lock.lock();
        try {
            if (!writable && heldBytes() <= settings.writeBufferLowWaterMark) {
                changeWritability(true);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Lock held: flip writability, wake waiters, tell the handler on the loop (not under this lock). */
    private void changeWritability(boolean now) {
        writable = now;
        if (now) {
            writableAgain.complete(null);
        } else {
            writableAgain = new CompletableFuture<>();
        }
        try {
            base.execute(() -> {
                try {
                    handler.onWritabilityChanged(this, now);
                } catch (RuntimeException e) {
                    LOG.error("the handler of client '" + name() + "' threw in onWritabilityChanged", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the base is closed: nobody is left to tell
        }
    }

    private void onEvent(BufferEvent b, int events) {
        if (b != bev) {
            b.free();
            return;
        }
        if ((events & BevEvent.CONNECTED) != 0) {
            connected(b);
            return;
        }
        Throwable cause = b.socketError();
        if (cause == null && (events & BevEvent.TIMEOUT) != 0) {
            cause = new TimeoutException(((events & BevEvent.READING) != 0 ? "read" : connectedSince == null ? "connect" : "write")
                    + " timed out");
        }
        long unsent;
        boolean wasConnected;
        lock.lock();
        try {
            unsent = b.bufferedOutput(); // with what other threads handed over: writes hold this lock, so none slips in
            wasConnected = state == State.CONNECTED || state == State.CLOSING && connectedSince != null;
            b.free();
            bev = null;
            published = null;
            disconnected(events, cause, unsent, wasConnected);
        } finally {
            lock.unlock();
        }
        try {
            handler.onDisconnected(this, events, cause, unsent);
        } catch (RuntimeException e) {
            LOG.error("the handler of client '" + name() + "' threw in onDisconnected", e);
        }
    }

    private void connected(BufferEvent b) {
        boolean closing;
        lock.lock();
        try {
            closing = state == State.CLOSING;
            b.writeBuffer(pending);
            pendingBytes = 0;
            remoteAddress = b.remoteAddress();
            connectedSince = Instant.now();
            if (attempt > 0 || reconnects > 0 || firstConnect.isDone()) {
                reconnects++;
                LOG.info("client '" + name() + "' connected to " + remoteAddress + " after " + attempt + " failed attempts");
            }
            attempt = 0;
            if (closing) {
                b.flush(Ev.WRITE, BevFlush.FINISHED);
            } else {
                state = State.CONNECTED;
            }
        } finally {
            lock.unlock();
        }
        firstConnect.complete(null);
        if (!closing) {
            try {
                handler.onConnected(this);
            } catch (RuntimeException e) {
                LOG.error("the handler of client '" + name() + "' threw in onConnected", e);
            }
        }
    }

    /** Lock held: record the failure and decide what comes next. */
    private void disconnected(int events, Throwable cause, long unsent, boolean wasConnected) {
        if (!writable && pending.length() <= settings.writeBufferLowWaterMark) {
            changeWritability(true); // the output went with the connection
        }
        lastError = cause;
        lastErrorAt = Instant.now();
        connectedSince = null;
        String what = BevEvent.toString(events) + (cause == null ? "" : ": " + cause);
        if (unsent > 0) {
            LOG.warn("client '" + name() + "' lost its connection with " + unsent + " bytes not yet sent (" + what + ")");
        }
        if (state == State.CLOSING || state == State.CLOSED) {
            long dropped = dropPending();
            if (dropped > 0) {
                LOG.warn("client '" + name() + "' closed: " + dropped + " pending bytes could not be sent");
            }
            state = State.CLOSED;
            return;
        }
        if (!wasConnected && !firstConnect.isDone() && settings.required) {
            firstConnect.completeExceptionally(cause != null ? cause : new IllegalStateException(what));
        }
        if (!settings.reconnect) {
            state = State.STOPPED;
            LOG.warn("client '" + name() + "' disconnected from " + settings.host + ":" + settings.port + " (" + what
                    + "); reconnecting is disabled");
            return;
        }
        int n = ++attempt;
        long delay = settings.backoffNanos(n, ThreadLocalRandom.current().nextDouble());
        state = State.BACKOFF;
        String message = "client '" + name() + "' " + (wasConnected ? "lost its connection to " : "cannot connect to ")
                + settings.host + ":" + settings.port + " (" + what + "); retrying in " + TimeUnit.NANOSECONDS.toMillis(delay)
                + " ms (attempt " + n + ")";
        if (Integer.bitCount(n) == 1) {
            LOG.warn(message);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug(message);
        }
        base.once(Duration.ofNanos(delay), this::attempt);
    }

    /** Lock held: notices a connection whose bufferevent was freed without any event. */
    private void reconcile() {
        if ((state == State.CONNECTED || state == State.CLOSING) && bev != null && bev.isFreed()) {
            lostWithoutEvent();
        }
    }

    /**
     * Lock held: the connection's bufferevent was freed without any event (its base closed or its
     * loop ended). Reconnect like after a disconnect; close if the client was closing or the base is gone.
     */
    private void lostWithoutEvent() {
        bev = null;
        published = null;
        connectedSince = null;
        lastError = new IllegalStateException("the bufferevent was freed without an event (event base closed or loop ended)");
        lastErrorAt = Instant.now();
        if (state == State.CLOSING || base.isClosed()) {
            boolean wasClosing = state == State.CLOSING;
            long dropped = dropPending();
            state = State.CLOSED;
            writableAgain.completeExceptionally(new IllegalStateException("client '" + name() + "' was closed"));
            if (!wasClosing || dropped > 0) {
                LOG.warn("client '" + name() + "' closed: its event base is closed" + (dropped > 0 ? "; " + dropped
                        + " pending bytes could not be sent" : ""));
            }
            return;
        }
        state = State.BACKOFF;
        try {
            base.execute(this::attempt);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            state = State.CLOSED;
        }
    }

    private long dropPending() {
        long n = pending.length();
        pending.drain(n);
        pendingBytes = 0;
        return n;
    }
}
