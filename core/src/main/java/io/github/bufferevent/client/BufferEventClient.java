package io.github.bufferevent.client;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.internal.SafeLogger;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A reconnecting client for one logical peer: a list of addresses tried in order, a pool of
 * connections, a {@link Framing} that turns bytes into frames both ways, and request/reply on top
 * ({@link #exchange}: replies match requests in order on each connection, as Redis, memcached and
 * line protocols answer). Built with {@link #builder(EventBase, String)}; the Spring starter maps
 * {@code bufferevent.clients.<name>} onto it.
 *
 * <p>Every wait ends: an exchange completes with its reply, or exceptionally on reply timeout
 * ({@link TimeoutException}), when its connection is lost ({@link DisconnectedException}), on a
 * reply over the framing's limit ({@link FrameTooLongException}), when refused at once
 * ({@link ExchangeRejectedException}: {@code max-in-flight} outstanding, the client closed, or
 * disconnected with {@link PendingPolicy#REJECT}), or when the client closes. What the client holds
 * unsent is bounded by {@code max-pending-bytes}; between its write-buffer water marks it reports
 * itself unwritable, as a Netty channel.
 *
 * <p>Threads: every public method may be called from any thread, virtual threads included; a
 * call never waits for the loop or for anything a callback holds (calls are handed to the loop
 * through a lock-free queue, in the order they returned). Encoding and queueing the waiter happen
 * together on the loop, so the waiter order is the wire order. Futures complete on the loop
 * thread: chain slow work with the {@code *Async} variants, and do not wait on the loop thread
 * (the future refuses). The {@link BufferEventClientHandler} runs on the loop thread.
 */
public final class BufferEventClient implements AutoCloseable {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent.client");

    /** Where a client is in its life. */
    public enum State {
        /** Not started, or disconnected with reconnecting disabled. */
        STOPPED,
        /** No connection is up; an attempt (name resolution or connect) is under way. */
        CONNECTING,
        /** At least one connection is up. */
        CONNECTED,
        /** No connection is up; waiting before the next attempt. */
        BACKOFF,
        /** Closing: writes are refused, the output drains. */
        CLOSING,
        /** Closed for good. */
        CLOSED
    }

    /** What happens to writes and exchanges while no connection is up. */
    public enum PendingPolicy {
        /** Keep them (within {@code max-pending-bytes} and the reply timeout) and send them after the reconnect. */
        BUFFER,
        /** Refuse them at once with {@link ExchangeRejectedException}. */
        REJECT
    }

    private static final int NEW = 0;
    private static final int STARTED = 1;
    private static final int CLOSING = 2;
    private static final int CLOSED = 3;

    final EventBase base;
    final BufferEventFactory factory;
    final List<InetSocketAddress> addresses;
    final Framing framing;
    final Backoff backoff;
    final boolean failback;
    final long writeBufferLowWaterMark;
    final List<Consumer<BufferEvent>> configurers = new CopyOnWriteArrayList<>();
    private final String name;
    private final long replyTimeoutNanos;
    private final int maxInFlight;
    private final PendingPolicy pendingPolicy;
    private final long maxPendingBytes;
    private final long writeBufferHighWaterMark;
    private final boolean required;
    private final ClientConnection[] connections;
    private final ExchangeListener listener;

    private volatile BufferEventClientHandler handler = BufferEventClientHandler.NONE;
    private volatile int lifecycle = NEW;
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();

    /** Calls from other threads, in the order they returned; drained on the loop. */
    private final ConcurrentLinkedQueue<Request> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainInbox;
    /** Loop thread: requests waiting for a connection (none up, or all failing back). */
    private final ArrayDeque<Request> pending = new ArrayDeque<>();
    private boolean pendingTimerArmed;
    /** Loop thread: the close ran; connections drain and take nothing more. */
    private boolean closedOnLoop;
    /** Bytes in the inbox and the pending queue: written but in no connection's output yet. */
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Exchanges not finished on the wire: queued, pending, in flight, or timed out and still owed a reply. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile int connectedCount;

    private final Object writabilityLock = new Object();
    private volatile boolean writable = true;
    private volatile CompletableFuture<Void> writableAgain = CompletableFuture.completedFuture(null);

    private volatile long reconnects;
    private volatile Throwable lastError;
    private volatile Instant lastErrorAt;

    private BufferEventClient(Builder b) {
        this.base = b.base;
        this.name = b.name;
        this.addresses = List.copyOf(b.addresses);
        this.framing = b.framing;
        this.replyTimeoutNanos = b.replyTimeout == null ? 0 : b.replyTimeout.toNanos();
        this.maxInFlight = b.maxInFlight;
        this.pendingPolicy = b.pendingPolicy;
        this.maxPendingBytes = b.maxPendingBytes;
        this.writeBufferHighWaterMark = Math.max(1, Math.min(b.writeBufferHighWaterMark, maxPendingBytes));
        this.writeBufferLowWaterMark = Math.min(b.writeBufferLowWaterMark, writeBufferHighWaterMark);
        this.backoff = b.backoff;
        this.failback = b.failback;
        this.required = b.required;
        this.listener = b.listener;
        this.factory = b.factory.withInstrumentation(new FreedWatch(b.factory.instrumentation()));
        this.connections = new ClientConnection[b.poolSize];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new ClientConnection(this, i);
        }
        if (b.handler != null) {
            this.handler = b.handler;
        }
        base.addCloseHook(baseClosed);
    }

    /** Runs when the base closes, on the thread closing it: nothing the client holds may be left waiting. */
    private final Runnable baseClosed = this::onBaseClosed;

    private void onBaseClosed() {
        ExchangeRejectedException why = new ExchangeRejectedException("client '" + name + "': the event base closed");
        for (ClientConnection c : connections) {
            c.baseClosed();
        }
        failPending(why);
        drainRefused(why);
        lifecycle = CLOSED;
        connectedCount = 0;
        firstConnect.completeExceptionally(new IllegalStateException("client '" + name + "': the event base closed"));
        failWritabilityWaiters();
    }

    /** A builder for a client named {@code name} on {@code base}. */
    public static Builder builder(EventBase base, String name) {
        return new Builder(base, name);
    }

    // ------------------------------------------------------------------ configuration

    /** The client's name (the key under {@code bufferevent.clients}). */
    public String name() {
        return name;
    }

    /** The configured host of the first address. */
    public String host() {
        return addresses.get(0).getHostString();
    }

    /** The configured port of the first address. */
    public int port() {
        return addresses.get(0).getPort();
    }

    /** The addresses, in the order they are tried (unresolved: resolved again on every attempt). */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** The framing, or null when the handler reads raw bytes. */
    public Framing framing() {
        return framing;
    }

    /** Connections in the pool. */
    public int poolSize() {
        return connections.length;
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

    // ------------------------------------------------------------------ lifecycle

    /**
     * Starts connecting every connection of the pool. Does nothing if already started.
     *
     * @throws IllegalStateException if the client is closed
     */
    public void connect() {
        synchronized (firstConnect) {
            if (lifecycle >= CLOSING) {
                throw new IllegalStateException("client '" + name + "' is closed");
            }
            if (lifecycle == STARTED) {
                return;
            }
            lifecycle = STARTED;
        }
        onLoop(() -> {
            for (ClientConnection c : connections) {
                c.start();
            }
        });
    }

    /**
     * Closes the client: writes and exchanges are refused from now on, reconnecting stops, what
     * waits for a connection fails, and each connection's output drains before its write side is
     * shut down (the event base's graceful shutdown waits for it); replies still in flight are
     * delivered until the peer closes. Any thread; never waits.
     */
    @Override
    public void close() {
        synchronized (firstConnect) {
            if (lifecycle >= CLOSING) {
                return;
            }
            // Never started: no connection exists, so nothing is left to drain.
            lifecycle = lifecycle == NEW ? CLOSED : CLOSING;
        }
        if (lifecycle == CLOSED) {
            base.removeCloseHook(baseClosed);
        }
        firstConnect.completeExceptionally(new IllegalStateException("client '" + name + "' was closed"));
        failWritabilityWaiters();
        try {
            onLoop(this::closeOnLoop);
        } catch (RejectedExecutionException baseClosed) {
            lifecycle = CLOSED;
        }
    }

    private void closeOnLoop() {
        drainInbox();
        closedOnLoop = true;
        failPending(new ExchangeRejectedException("client '" + name + "' was closed before this was sent"));
        for (ClientConnection c : connections) {
            c.close();
        }
        endIfAllClosed();
    }

    /**
     * Waits until a connection is up for the first time.
     *
     * @return true if connected within {@code timeout}, false if it failed, closed or timed out
     */
    public boolean awaitConnected(Duration timeout) {
        try {
            firstConnect.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return isConnected();
        }
    }

    /**
     * A future completed when a connection is up for the first time; with {@code required} it
     * fails with the cause of the first failed attempt instead. A copy: completing it does nothing.
     */
    public CompletableFuture<Void> whenFirstConnected() {
        return firstConnect.copy();
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes raw bytes (no framing) to the least busy connection, or keeps them until one is up.
     * Any thread; each call's bytes stay contiguous and in the order the calls returned.
     *
     * @throws PendingLimitExceededException if the client would hold more than max-pending-bytes unsent
     * @throws ExchangeRejectedException if closed, or disconnected with {@link PendingPolicy#REJECT}
     */
    public void write(byte[] data) {
        write(data, 0, Objects.requireNonNull(data, "data").length);
    }

    /** Writes {@code len} bytes of {@code data} from {@code off}; see {@link #write(byte[])}. */
    public void write(byte[] data, int off, int len) {
        Objects.requireNonNull(data, "data");
        Objects.checkFromIndexSize(off, len, data.length);
        RuntimeException refused = admit(len, false);
        if (refused != null) {
            throw refused;
        }
        submit(new Request(Request.WRITE, Arrays.copyOfRange(data, off, off + len), null, 0, 0));
    }

    /** Writes {@code text} as UTF-8; see {@link #write(byte[])}. */
    public void write(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Encodes {@code frame} with the framing and sends it, expecting no reply. The future
     * completes once the frame is in a connection's output, or fails (the framing refused it, the
     * client closed before it was sent). Only for frames the peer does not answer: replies carry no
     * id, so a reply to a sent frame would be taken as the reply of the next exchange on that
     * connection (with no exchange waiting it goes to the handler's {@code onFrame}).
     *
     * @throws PendingLimitExceededException if the client would hold more than max-pending-bytes unsent
     * @throws ExchangeRejectedException if closed, or disconnected with {@link PendingPolicy#REJECT}
     * @throws IllegalStateException if the client has no framing
     */
    public CompletableFuture<Void> send(byte[] frame) {
        requireFraming("send");
        Objects.requireNonNull(frame, "frame");
        RuntimeException unencodable = checkFrame(frame);
        if (unencodable != null) {
            return CompletableFuture.failedFuture(unencodable);
        }
        RuntimeException refused = admit(frame.length, false);
        if (refused != null) {
            throw refused;
        }
        LoopSafeFuture<byte[]> sent = new LoopSafeFuture<>(base);
        submit(new Request(Request.SEND, frame.clone(), sent, 0, 0));
        return sent.thenApply(x -> null);
    }

    /** Sends {@code frame} as UTF-8; see {@link #send(byte[])}. */
    public CompletableFuture<Void> send(String frame) {
        return send(frame.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Encodes {@code request}, sends it, and completes with the next reply frame on the connection
     * it went out on. Never throws for a refusal: the future fails instead (see the class doc).
     *
     * @throws IllegalStateException if the client has no framing
     */
    public CompletableFuture<byte[]> exchange(byte[] request) {
        requireFraming("exchange");
        Objects.requireNonNull(request, "request");
        return exchange0(request.clone()); // the caller may reuse its array; the request may wait in a queue
    }

    /** {@link #exchange(byte[])} with UTF-8 text both ways. */
    public CompletableFuture<String> exchange(String request) {
        requireFraming("exchange");
        return exchange0(request.getBytes(StandardCharsets.UTF_8)).thenApply(reply -> new String(reply, StandardCharsets.UTF_8));
    }

    private CompletableFuture<byte[]> exchange0(byte[] request) {
        LoopSafeFuture<byte[]> reply = new LoopSafeFuture<>(base);
        long now = System.nanoTime();
        Object context = listenerStarted();
        RuntimeException refused = checkFrame(request);
        if (refused == null) {
            refused = admit(request.length, true);
        }
        if (refused != null) {
            listenerEnded(context, refused, now);
            reply.completeExceptionally(refused);
            return reply;
        }
        Request r = new Request(Request.EXCHANGE, request, reply, now, replyTimeoutNanos == 0 ? 0 : now + replyTimeoutNanos);
        r.context = context;
        submit(r);
        return reply;
    }

    private Object listenerStarted() {
        if (listener == ExchangeListener.NONE) {
            return null;
        }
        try {
            return listener.started(this);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the exchange listener of client '" + name + "' threw", e);
            return null;
        }
    }

    private void listenerEnded(Object context, Throwable error, long startNanos) {
        if (listener == ExchangeListener.NONE) {
            return;
        }
        try {
            listener.ended(this, context, ExchangeOutcome.of(error), error, System.nanoTime() - startNanos);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the exchange listener of client '" + name + "' threw", e);
        }
    }

    /** What the framing would refuse {@code frame} with, found on the caller's thread (built-in framings), or null. */
    private RuntimeException checkFrame(byte[] frame) {
        if (framing instanceof FrameCheck) {
            try {
                ((FrameCheck) framing).check(frame);
            } catch (IllegalArgumentException | FrameTooLongException e) {
                return e;
            }
        }
        return null;
    }

    private void requireFraming(String call) {
        if (framing == null) {
            throw new IllegalStateException(call + "() needs a framing; client '" + name + "' has none (set one with "
                    + "Builder.framing, or bufferevent.clients." + name + ".framing.type)");
        }
    }

    /**
     * Any thread: checks a call may go ahead and reserves its bytes (and, for an exchange, its
     * in-flight slot). Returns why it may not, or null.
     */
    private RuntimeException admit(int bytes, boolean exchange) {
        int l = lifecycle;
        if (l >= CLOSING) {
            return new ExchangeRejectedException("client '" + name + "' is " + (l == CLOSED ? "closed" : "closing") + "; writes are refused");
        }
        if (pendingPolicy == PendingPolicy.REJECT && connectedCount == 0) {
            return new ExchangeRejectedException("client '" + name + "' is not connected (pending-while-disconnected=reject)");
        }
        if (exchange && outstanding.incrementAndGet() > maxInFlight) {
            outstanding.decrementAndGet();
            return new ExchangeRejectedException("client '" + name + "' has " + maxInFlight + " exchanges outstanding, its max-in-flight");
        }
        while (true) {
            long queued = queuedBytes.get();
            long held = queued + outputBytes();
            if (held + bytes > maxPendingBytes) {
                if (exchange) {
                    outstanding.decrementAndGet();
                }
                return new PendingLimitExceededException(name, connectedCount > 0, held, bytes, maxPendingBytes);
            }
            if (queuedBytes.compareAndSet(queued, queued + bytes)) {
                if (held + bytes >= writeBufferHighWaterMark) {
                    changeWritability(false);
                }
                return null;
            }
        }
    }

    /** Any thread: hands {@code r} to the loop, or runs it now on the loop thread (after what was handed over before). */
    private void submit(Request r) {
        if (base.inLoopThread()) {
            drainInbox();
            process(r);
            return;
        }
        inbox.offer(r);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                base.execute(drainTask);
            } catch (RejectedExecutionException closed) {
                drainScheduled.set(false);
                ExchangeRejectedException why = new ExchangeRejectedException("client '" + name + "': the event base is closed");
                drainRefused(why);
                if (r.kind == Request.WRITE) {
                    throw why; // nothing written may be dropped silently: the caller learns it here
                }
            }
        }
    }

    private void drainRefused(RuntimeException why) {
        drainScheduled.set(false);
        Request r;
        while ((r = inbox.poll()) != null) {
            dropQueued(r, why);
        }
    }

    private void drainInbox() {
        drainScheduled.set(false);
        Request r;
        while ((r = inbox.poll()) != null) {
            process(r);
        }
    }

    /** Loop thread: to the least busy connection that takes requests, or pending. */
    private void process(Request r) {
        if (lifecycle >= CLOSING && closedOnLoop) {
            // Admitted before the close, arrived after the connections began to drain: it cannot be sent.
            if (r.kind == Request.WRITE) {
                LOG.log(Level.WARNING, "client '" + name + "' closed: " + r.data.length + " bytes written during the close "
                        + "could not be sent");
            }
            dropQueued(r, new ExchangeRejectedException("client '" + name + "' was closed before this was sent"));
            return;
        }
        ClientConnection c = leastBusy();
        if (c == null) {
            pending.add(r);
            if (r.deadline != 0 && !pendingTimerArmed) {
                armPendingTimer(r.deadline);
            }
            return;
        }
        drainPendingInto(c); // older requests first: calls keep the order they returned in
        writeTo(c, r);
    }

    /** Loop thread: puts what waits for a connection on {@code c}, oldest first, while it takes requests. */
    private void drainPendingInto(ClientConnection c) {
        Request r;
        while (c.takesRequests() && (r = pending.poll()) != null) {
            writeTo(c, r);
        }
    }

    private void writeTo(ClientConnection c, Request r) {
        c.write(r);
        queuedBytes.addAndGet(-r.data.length); // after: in the output now, so heldBytes() never dips in between
        checkWritableAgain(); // the framing may have refused it: nothing reached an output to drain later
    }

    private ClientConnection leastBusy() {
        ClientConnection best = null;
        for (ClientConnection c : connections) {
            if (c.takesRequests() && (best == null || c.load() < best.load())) {
                best = c;
            }
        }
        return best;
    }

    /** Loop thread: a request leaves the client unsent; its future (if any) fails with {@code why}. */
    private void dropQueued(Request r, Throwable why) {
        queuedBytes.addAndGet(-r.data.length);
        if (r.isExchange()) {
            released(1); // counts settled before the future completes (and runs user code)
        }
        checkWritableAgain();
        if (r.reply != null) {
            complete(r, null, why);
        }
    }

    private void failPending(Throwable why) {
        long dropped = 0;
        Request r;
        while ((r = pending.poll()) != null) {
            if (r.kind == Request.WRITE) {
                dropped += r.data.length;
            }
            dropQueued(r, why);
        }
        if (dropped > 0) {
            LOG.log(Level.WARNING, "client '" + name + "' closed: " + dropped + " pending bytes could not be sent");
        }
        checkWritableAgain();
    }

    private void armPendingTimer(long deadline) {
        pendingTimerArmed = true;
        base.once(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), this::onPendingTimer);
    }

    /** Loop thread: exchanges whose reply timeout passed before any connection took them fail; they were never sent. */
    private void onPendingTimer() {
        pendingTimerArmed = false;
        long now = System.nanoTime();
        long next = 0;
        List<Request> due = null;
        for (Iterator<Request> it = pending.iterator(); it.hasNext(); ) {
            Request r = it.next();
            if (r.deadline == 0) {
                continue;
            }
            if (r.deadline - now <= 0) {
                it.remove();
                if (due == null) {
                    due = new ArrayList<>();
                }
                due.add(r);
            } else if (next == 0) {
                next = r.deadline;
            }
        }
        if (next != 0) {
            armPendingTimer(next);
        }
        // Only now complete them: a continuation may call exchange() again and touch the queue.
        if (due != null) {
            for (Request r : due) {
                dropQueued(r, replyTimeout(r, "a connection (none is up)"));
            }
        }
    }

    TimeoutException replyTimeout(Request r, String target) {
        return new TimeoutException("no reply from " + target + " within " + TimeUnit.NANOSECONDS.toMillis(replyTimeoutNanos)
                + " ms (client '" + name + "', reply-timeout)");
    }

    // ------------------------------------------------------------------ from the connections (loop thread)

    void complete(Request r, byte[] frame, Throwable error) {
        if (r.isExchange()) {
            listenerEnded(r.context, error, r.startNanos);
        }
        if (error == null) {
            r.reply.complete(frame);
        } else {
            r.reply.completeExceptionally(error);
        }
    }

    void released(int exchanges) {
        outstanding.addAndGet(-exchanges);
    }

    void connectionUp(ClientConnection c, int failedBefore) {
        connectedCount++;
        if (failedBefore > 0 || firstConnect.isDone()) {
            reconnects++;
            LOG.log(Level.INFO, "client '" + name + "' connection " + c.index + " connected to " + c.remoteAddress + " after "
                    + failedBefore + " failed attempts");
        }
        drainPendingInto(c);
        firstConnect.complete(null);
        if (lifecycle >= CLOSING) {
            c.close();
            return;
        }
        try {
            handler.onConnected(this);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the handler of client '" + name + "' threw in onConnected", e);
        }
    }

    void connectionDown(ClientConnection c, int events, Throwable cause, long unsent, boolean wasConnected) {
        if (wasConnected) {
            connectedCount--;
        }
        if (cause != null) {
            lastError = cause;
            lastErrorAt = Instant.now();
        }
        if (!wasConnected && required && !firstConnect.isDone() && cause != null) {
            firstConnect.completeExceptionally(cause);
        }
        if (wasConnected && unsent > 0) {
            LOG.log(Level.WARNING, "client '" + name + "' lost connection " + c.index + " with " + unsent + " bytes not yet sent ("
                    + BevEvent.toString(events) + (cause == null ? "" : ": " + cause) + ")");
        }
        checkWritableAgain();
        if (wasConnected && events != 0) {
            try {
                handler.onDisconnected(this, events, cause, unsent);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "the handler of client '" + name + "' threw in onDisconnected", e);
            }
        }
        if (lifecycle >= CLOSING) {
            endIfAllClosed();
        }
    }

    void reconnectScheduled(ClientConnection c, boolean wasConnected, int attempt, long delayNanos, int events, Throwable cause) {
        if (!wasConnected && connectedCount == 0 && !pending.isEmpty() && pendingPolicy == PendingPolicy.REJECT) {
            failPending(new ExchangeRejectedException("client '" + name + "' is not connected"));
        }
        String message = "client '" + name + "' " + (wasConnected ? "lost its connection to " : "cannot connect to ") + c.target
                + " (" + BevEvent.toString(events) + (cause == null ? "" : ": " + cause) + "); retrying in "
                + TimeUnit.NANOSECONDS.toMillis(delayNanos) + " ms (attempt " + attempt + ")";
        if (Integer.bitCount(attempt) == 1) {
            LOG.log(Level.WARNING, message);
        } else if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, message);
        }
    }

    void rawInput(EvBuffer in) {
        handler.onRead(this, in); // a throw is logged and counted by the bufferevent
    }

    void unsolicited(byte[] frame) {
        try {
            handler.onFrame(this, frame);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the handler of client '" + name + "' threw in onFrame", e);
        }
    }

    boolean closing() {
        return lifecycle >= CLOSING;
    }

    private void endIfAllClosed() {
        if (lifecycle < CLOSING) {
            return;
        }
        for (ClientConnection c : connections) {
            if (c.phase != ClientConnection.Phase.CLOSED && c.phase != ClientConnection.Phase.IDLE) {
                return;
            }
        }
        lifecycle = CLOSED;
        connectedCount = 0;
        base.removeCloseHook(baseClosed);
    }

    /** Runs {@code action} now on the loop thread (or while no loop runs), else hands it over. */
    private void onLoop(Runnable action) {
        if (base.inLoopThread() || base.loopThread() == null) {
            action.run();
        } else {
            base.execute(action);
        }
    }

    // ------------------------------------------------------------------ writability

    /**
     * Whether the client takes writes without piling up: it holds less than
     * {@code write-buffer-high-water-mark} unsent (or has drained to the low mark since), and is
     * not closing. A write while unwritable still succeeds up to {@code max-pending-bytes}.
     */
    public boolean isWritable() {
        return writable && lifecycle < CLOSING;
    }

    /**
     * Waits until the client is writable again, at most {@code timeout}. Not on the loop thread,
     * which is what makes it writable again.
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
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
        return isWritable();
    }

    /**
     * A future completed when the client is writable (already completed if it is now), or
     * exceptionally when it closes. A copy: completing it does nothing to the client.
     */
    public CompletableFuture<Void> whenWritable() {
        return writableAgain.copy();
    }

    /** Loop thread (and at close): writable again once what is held drained to the low mark. */
    void checkWritableAgain() {
        if (!writable && heldBytes() <= writeBufferLowWaterMark) {
            changeWritability(true);
        }
    }

    private void changeWritability(boolean now) {
        synchronized (writabilityLock) {
            if (writable == now) {
                return;
            }
            writable = now;
            if (now) {
                writableAgain.complete(null);
            } else {
                writableAgain = new CompletableFuture<>();
            }
        }
        try {
            base.execute(notifyWritability);
        } catch (RejectedExecutionException closed) {
            // the base is closed: nobody is left to tell
        }
    }

    /** Loop thread: what the handler was last told; it hears of the state as it is when the task runs, once per change. */
    private boolean toldWritable = true;
    private final Runnable notifyWritability = this::notifyWritability;

    private void notifyWritability() {
        boolean now = writable;
        if (now == toldWritable) {
            return; // flipped and flipped back before the loop got here, or already told
        }
        toldWritable = now;
        try {
            handler.onWritabilityChanged(this, now);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the handler of client '" + name + "' threw in onWritabilityChanged", e);
        }
    }

    private void failWritabilityWaiters() {
        synchronized (writabilityLock) {
            writableAgain.completeExceptionally(new IllegalStateException("client '" + name + "' was closed"));
        }
    }

    // ------------------------------------------------------------------ state, any thread

    /** The current state. */
    public State state() {
        int l = lifecycle;
        if (l == CLOSED) {
            return State.CLOSED;
        }
        if (l == CLOSING) {
            return State.CLOSING;
        }
        if (l == NEW) {
            return State.STOPPED;
        }
        if (connectedCount > 0) {
            return State.CONNECTED;
        }
        boolean backingOff = false;
        for (ClientConnection c : connections) {
            ClientConnection.Phase p = c.phase;
            if (p == ClientConnection.Phase.CONNECTING || p == ClientConnection.Phase.CONNECTED) {
                return State.CONNECTING;
            }
            backingOff |= p == ClientConnection.Phase.BACKOFF;
        }
        return backingOff ? State.BACKOFF : State.STOPPED;
    }

    /** Whether at least one connection is up. */
    public boolean isConnected() {
        return lifecycle == STARTED && connectedCount > 0;
    }

    /** Connections up now. */
    public int connectedConnections() {
        return connectedCount;
    }

    /** Consecutive failed attempts of the first connection since it was last up (0 when up). */
    public int reconnectAttempt() {
        return connections[0].attempt;
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

    /** Since when the first connection that is up has been up, or null. */
    public Instant connectedSince() {
        for (ClientConnection c : connections) {
            Instant since = c.connectedSince;
            if (since != null) {
                return since;
            }
        }
        return null;
    }

    /** The peer of the first connection that is (or was last) up, or null. */
    public SocketAddress remoteAddress() {
        for (ClientConnection c : connections) {
            if (c.remoteAddress != null) {
                return c.remoteAddress;
            }
        }
        return null;
    }

    /** Bytes written while no connection took them, waiting (a snapshot). */
    public long pendingBytes() {
        return queuedBytes.get();
    }

    /**
     * Unsent bytes the client holds: queued or pending, plus the connections' output (a snapshot;
     * while the loop moves a request into an output it may be counted in both, never in neither).
     */
    public long heldBytes() {
        return queuedBytes.get() + outputBytes();
    }

    private long outputBytes() {
        long sum = 0;
        for (ClientConnection c : connections) {
            BufferEvent b = c.published;
            if (b != null) {
                sum += b.bufferedOutput();
            }
        }
        return sum;
    }

    /** Exchanges outstanding: waiting to be sent, in flight, or timed out and still owed a reply. */
    public int exchangesInFlight() {
        return outstanding.get();
    }

    /** Input bytes buffered on the connections. */
    public long bufferedInput() {
        long sum = 0;
        for (ClientConnection c : connections) {
            BufferEvent b = c.published;
            if (b != null) {
                sum += b.bufferedInput();
            }
        }
        return sum;
    }

    /** Output bytes buffered on the connections (not counting {@link #pendingBytes()}). */
    public long bufferedOutput() {
        return outputBytes();
    }

    /** The bufferevents of the connections that have one now (a snapshot, for diagnostics). */
    public List<BufferEvent> bufferEvents() {
        List<BufferEvent> list = new ArrayList<>(connections.length);
        for (ClientConnection c : connections) {
            BufferEvent b = c.published;
            if (b != null) {
                list.add(b);
            }
        }
        return list;
    }

    /** The bufferevent of the first connection, or null (for diagnostics and advanced use). */
    public BufferEvent bufferEvent() {
        return connections[0].published;
    }

    /** A snapshot of each pooled connection, for health and diagnostics. */
    public List<ConnectionInfo> connections() {
        List<ConnectionInfo> list = new ArrayList<>(connections.length);
        for (ClientConnection c : connections) {
            BufferEvent b = c.published;
            list.add(new ConnectionInfo(c.index, c.phase.name(), c.target, c.remoteAddress, c.connectedSince, c.inFlight,
                    b == null ? 0 : b.bufferedOutput(), c.attempt));
        }
        return list;
    }

    /**
     * One pooled connection, as seen at one moment.
     *
     * @param index its place in the pool
     * @param state IDLE, CONNECTING, CONNECTED, BACKOFF or CLOSED
     * @param target the configured address it uses or tries (host:port)
     * @param remoteAddress the peer it is connected to, or null
     * @param connectedSince since when it is up, or null
     * @param inFlight exchanges waiting for their reply on it
     * @param bufferedOutput bytes in its output
     * @param reconnectAttempt consecutive failed attempts
     */
    public record ConnectionInfo(int index, String state, String target, SocketAddress remoteAddress, Instant connectedSince,
            int inFlight, long bufferedOutput, int reconnectAttempt) {
    }

    @Override
    public String toString() {
        return "BufferEventClient[" + name + " -> " + addresses + ", " + state() + "]";
    }

    /**
     * Watches the bufferevents the client's factory makes: one freed without any event (its base
     * closed, or its loop ended) fails what waits on its connection instead of leaving it hanging.
     */
    private final class FreedWatch implements Instrumentation {
        private final Instrumentation delegate;

        FreedWatch(Instrumentation delegate) {
            this.delegate = delegate;
        }

        @Override
        public void freed(BufferEvent bev) {
            delegate.freed(bev);
            if (base.isClosed()) {
                return; // the close hook fails what waits
            }
            for (ClientConnection c : connections) {
                if (c.published == bev) {
                    // Freed by someone else (the client clears published before it frees its own):
                    // treat it as a lost connection, on the loop.
                    try {
                        base.execute(() -> c.freedByOthers(bev));
                    } catch (RejectedExecutionException closing) {
                        // the close hook takes over
                    }
                }
            }
        }

        @Override
        public void created(BufferEvent bev) {
            delegate.created(bev);
        }

        @Override
        public void connectStarted(BufferEvent bev) {
            delegate.connectStarted(bev);
        }

        @Override
        public void connectSucceeded(BufferEvent bev, long nanos) {
            delegate.connectSucceeded(bev, nanos);
        }

        @Override
        public void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
            delegate.connectFailed(bev, outcome, cause, nanos);
        }

        @Override
        public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
            delegate.error(bev, kind, cause);
        }

        @Override
        public void eof(BufferEvent bev) {
            delegate.eof(bev);
        }

        @Override
        public void timeout(BufferEvent bev, int what) {
            delegate.timeout(bev, what);
        }

        @Override
        public void bytesRead(BufferEvent bev, long n) {
            delegate.bytesRead(bev, n);
        }

        @Override
        public void bytesWritten(BufferEvent bev, long n) {
            delegate.bytesWritten(bev, n);
        }

        @Override
        public void rateLimitSuspended(BufferEvent bev, int direction) {
            delegate.rateLimitSuspended(bev, direction);
        }

        @Override
        public void loopTurn(EventBase b, long nanos) {
            delegate.loopTurn(b, nanos);
        }
    }

    /**
     * Settings of a new {@link BufferEventClient}; each setter checks its argument and names it in
     * the exception. Not thread-safe: use on one thread, then {@link #build()}.
     */
    public static final class Builder {
        private final EventBase base;
        private final String name;
        private BufferEventFactory factory;
        private final List<InetSocketAddress> addresses = new ArrayList<>();
        private Framing framing;
        private Duration replyTimeout = Duration.ofSeconds(5);
        private int maxInFlight = 10_000;
        private int poolSize = 1;
        private boolean failback = true;
        private PendingPolicy pendingPolicy = PendingPolicy.BUFFER;
        private long maxPendingBytes = 1024 * 1024;
        private long writeBufferHighWaterMark = 64 * 1024;
        private long writeBufferLowWaterMark = 32 * 1024;
        private Backoff backoff = new Backoff(true, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.2);
        private boolean required;
        private BufferEventClientHandler handler;
        private ExchangeListener listener = ExchangeListener.NONE;

        private Builder(EventBase base, String name) {
            this.base = Objects.requireNonNull(base, "base");
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
        }

        /** Where the client's bufferevents come from (default: THREADSAFE, CLOSE_ON_FREE on the base). */
        public Builder factory(BufferEventFactory factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
            if (factory.base() != base) {
                throw new IllegalArgumentException("factory must make bufferevents on the client's base");
            }
            return this;
        }

        /** The one address (replaces any given before); resolved again on every attempt. */
        public Builder address(String host, int port) {
            addresses.clear();
            addresses.add(checked(host, port));
            return this;
        }

        /**
         * Addresses tried in order: a failed attempt moves on to the next at once; after a whole
         * round failed the client backs off; with {@link #failback} it moves back to the first
         * once that answers again.
         */
        public Builder addresses(List<InetSocketAddress> list) {
            Objects.requireNonNull(list, "addresses");
            if (list.isEmpty()) {
                throw new IllegalArgumentException("addresses must not be empty");
            }
            addresses.clear();
            for (InetSocketAddress a : list) {
                addresses.add(checked(Objects.requireNonNull(a, "addresses must not contain null").getHostString(), a.getPort()));
            }
            return this;
        }

        private static InetSocketAddress checked(String host, int port) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be in 1..65535, was " + port);
            }
            return InetSocketAddress.createUnresolved(host.trim(), port);
        }

        /** The framing for {@code send}/{@code exchange}; null (the default) hands raw bytes to the handler's onRead. */
        public Builder framing(Framing framing) {
            this.framing = framing;
            return this;
        }

        /** How long an exchange waits for its reply, from the call (default 5 s); null or zero: no limit. */
        public Builder replyTimeout(Duration timeout) {
            if (timeout != null && timeout.isNegative()) {
                throw new IllegalArgumentException("replyTimeout must be >= 0 (0 = none), was " + timeout);
            }
            this.replyTimeout = timeout == null || timeout.isZero() ? null : timeout;
            return this;
        }

        /** Most exchanges outstanding at once (default 10000); beyond, exchanges are refused at once. */
        public Builder maxInFlight(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, was " + max);
            }
            this.maxInFlight = max;
            return this;
        }

        /** Connections in the pool (default 1, at most 64); an exchange goes to the one with the fewest in flight. */
        public Builder poolSize(int size) {
            if (size < 1 || size > 64) {
                throw new IllegalArgumentException("poolSize must be in 1..64, was " + size);
            }
            this.poolSize = size;
            return this;
        }

        /** Whether a connection on a later address moves back to the first once it answers again (default true). */
        public Builder failback(boolean failback) {
            this.failback = failback;
            return this;
        }

        /** What happens to calls while no connection is up (default {@link PendingPolicy#BUFFER}). */
        public Builder pendingWhileDisconnected(PendingPolicy policy) {
            this.pendingPolicy = Objects.requireNonNull(policy, "pendingWhileDisconnected");
            return this;
        }

        /** Most unsent bytes the client holds: pending plus the connections' output (default 1 MiB). */
        public Builder maxPendingBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxPendingBytes must be >= 0, was " + bytes);
            }
            this.maxPendingBytes = bytes;
            return this;
        }

        /** Unwritable at {@code high} bytes held, writable again at {@code low} (defaults 64 KiB, 32 KiB; capped at maxPendingBytes). */
        public Builder writeBufferWaterMarks(long low, long high) {
            if (high < 1) {
                throw new IllegalArgumentException("write buffer high water mark must be >= 1, was " + high);
            }
            if (low < 0 || low > high) {
                throw new IllegalArgumentException("write buffer low water mark must be in 0.." + high + " (the high mark), was " + low);
            }
            this.writeBufferLowWaterMark = low;
            this.writeBufferHighWaterMark = high;
            return this;
        }

        /**
         * Reconnecting: exponential backoff from {@code initial} by {@code multiplier} up to
         * {@code max}, each delay spread by {@code jitter} (0..1). Disabled: a connection that
         * fails stays down.
         */
        public Builder reconnect(boolean enabled, Duration initial, Duration max, double multiplier, double jitter) {
            this.backoff = new Backoff(enabled, initial, max, multiplier, jitter);
            return this;
        }

        /** Whether {@link BufferEventClient#whenFirstConnected()} fails on the first failed attempt (default false). */
        public Builder required(boolean required) {
            this.required = required;
            return this;
        }

        /** Told when each exchange starts and ends (meters, tracing); default {@link ExchangeListener#NONE}. */
        public Builder exchangeListener(ExchangeListener listener) {
            this.listener = Objects.requireNonNull(listener, "exchangeListener");
            return this;
        }

        /** The handler (default {@link BufferEventClientHandler#NONE}). */
        public Builder handler(BufferEventClientHandler handler) {
            this.handler = handler;
            return this;
        }

        /**
         * The client, not yet connecting (call {@link BufferEventClient#connect()}).
         *
         * @throws IllegalStateException if no address was given
         */
        public BufferEventClient build() {
            if (addresses.isEmpty()) {
                throw new IllegalStateException("client '" + name + "' needs an address (address(host, port) or addresses(list))");
            }
            if (factory == null) {
                factory = BufferEventFactory.builder(base).options(io.github.bufferevent.BevOption.THREADSAFE,
                        io.github.bufferevent.BevOption.CLOSE_ON_FREE).build();
            }
            return new BufferEventClient(this);
        }
    }
}
