package io.github.bufferevent.client;

import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EventBase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

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

    /**
     * Where each connection attempt gets its bufferevent, instead of a socket (or TLS socket) from
     * the client's factory: a test kit hands out one side of a {@link BufferEvent#pair pair}, so a
     * real client runs against an in-memory peer. See {@link Builder#transport}.
     */
    @FunctionalInterface
    public interface Transport {
        /**
         * A new bufferevent on the client's base for a connection to {@code address} (the
         * configured host and port, unresolved). Either not connected yet: the client then calls
         * {@link BufferEvent#connectHostname} on it, as it does with a socket; or already connected
         * (a pair side): the client takes it as up at once (its {@code onConnected} runs on the
         * next loop pass). An exception fails the attempt like a refused connect.
         */
        BufferEvent open(InetSocketAddress address) throws IOException;
    }

    // The client's parts, each with one job; the connections reach the package-private ones.
    final ClientSettings settings;
    final List<Consumer<BufferEvent>> configurers = new CopyOnWriteArrayList<>();
    final UserCallbacks callbacks;
    final HeldBytes held;
    final Admission admission;
    final RequestRouter router;
    final ConnectionEvents events;
    private final Lifecycle lifecycle;
    private final ConnectionPool pool;
    private final CallInbox inbox;
    private final ClientShutdown shutdown;

    private BufferEventClient(ClientSettings settings) {
        this.settings = settings;
        this.callbacks = new UserCallbacks(this, settings.listener, settings.handler);
        this.lifecycle = new Lifecycle(settings.name);
        // The connections reach the parts below through this client when they run, not before.
        this.pool = new ConnectionPool(this, settings);
        this.held = new HeldBytes(settings, pool, callbacks);
        this.admission = new Admission(settings, lifecycle, pool, held);
        this.router = new RequestRouter(settings, pool, held, admission, callbacks);
        this.inbox = new CallInbox(settings.base, settings.name, router::process, router::dropQueued);
        this.shutdown = new ClientShutdown(settings, lifecycle, pool, router, inbox, held);
        this.events = new ConnectionEvents(settings, lifecycle, pool, router, held, callbacks, shutdown);
    }

    /** A builder for a client named {@code name} on {@code base}. */
    public static Builder builder(EventBase base, String name) {
        return new Builder(base, name);
    }

    // ------------------------------------------------------------------ configuration

    /** The client's name (the key under {@code bufferevent.clients}). */
    public String name() {
        return settings.name;
    }

    /** The configured host of the first address. */
    public String host() {
        return settings.addresses.get(0).getHostString();
    }

    /** The configured port of the first address. */
    public int port() {
        return settings.addresses.get(0).getPort();
    }

    /** The addresses, in the order they are tried (unresolved: resolved again on every attempt). */
    public List<InetSocketAddress> addresses() {
        return settings.addresses;
    }

    /** The framing, or null when the handler reads raw bytes. */
    public Framing framing() {
        return settings.framing;
    }

    /** Connections in the pool. */
    public int poolSize() {
        return pool.size();
    }

    /** Attaches the application's handler (replacing the previous one); null restores the default. */
    public BufferEventClient setHandler(BufferEventClientHandler handler) {
        callbacks.set(handler);
        return this;
    }

    /** The attached handler ({@link BufferEventClientHandler#NONE} until one is set). */
    public BufferEventClientHandler handler() {
        return callbacks.handler();
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
        if (lifecycle.start()) {
            CallInbox.runOnLoop(settings.base, pool::startAll);
        }
    }

    /**
     * Closes the client: writes and exchanges are refused from now on, reconnecting stops, what
     * waits for a connection fails, and each connection's output drains before its write side is
     * shut down (the event base's graceful shutdown waits for it); replies still in flight are
     * delivered until the peer closes. Any thread; never waits.
     */
    @Override
    public void close() {
        shutdown.close();
    }

    /**
     * Waits until a connection is up for the first time.
     *
     * @return true if connected within {@code timeout}, false if it failed, closed or timed out
     */
    public boolean awaitConnected(Duration timeout) {
        try {
            return lifecycle.awaitFirstConnect(timeout) || isConnected();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A future completed when a connection is up for the first time; with {@code required} it
     * fails with the cause of the first failed attempt instead. A copy: completing it does nothing.
     */
    public CompletableFuture<Void> whenFirstConnected() {
        return lifecycle.whenFirstConnected();
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
        pool.demand();
        RuntimeException refused = admission.admit(len, false);
        if (refused != null) {
            throw refused;
        }
        inbox.submit(new Request(Request.WRITE, Arrays.copyOfRange(data, off, off + len), null, 0, 0));
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
        RuntimeException unencodable = admission.checkFrame(frame);
        if (unencodable != null) {
            return CompletableFuture.failedFuture(unencodable);
        }
        pool.demand();
        RuntimeException refused = admission.admit(frame.length, false);
        if (refused != null) {
            throw refused;
        }
        LoopSafeFuture<byte[]> sent = new LoopSafeFuture<>(settings.base);
        inbox.submit(new Request(Request.SEND, frame.clone(), sent, 0, 0));
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
        pool.demand();
        LoopSafeFuture<byte[]> reply = new LoopSafeFuture<>(settings.base);
        long now = settings.base.nanoTime();
        Object context = callbacks.exchangeStarted();
        RuntimeException refused = admission.checkFrame(request);
        if (refused == null) {
            refused = admission.admit(request.length, true);
        }
        if (refused != null) {
            callbacks.exchangeEnded(context, refused, now);
            reply.completeExceptionally(refused);
            return reply;
        }
        Request r = new Request(Request.EXCHANGE, request, reply, now,
                settings.replyTimeoutNanos == 0 ? 0 : now + settings.replyTimeoutNanos);
        r.context = context;
        inbox.submit(r);
        return reply;
    }

    private void requireFraming(String call) {
        if (settings.framing == null) {
            throw new IllegalStateException(call + "() needs a framing; client '" + name() + "' has none (set one with "
                    + "Builder.framing, or bufferevent.clients." + name() + ".framing.type)");
        }
    }

    /** Closing or closed: connections take nothing more and do not reconnect. */
    boolean closing() {
        return lifecycle.closing();
    }

    // ------------------------------------------------------------------ writability

    /**
     * Whether the client takes writes without piling up: it holds less than
     * {@code write-buffer-high-water-mark} unsent (or has drained to the low mark since), and is
     * not closing. A write while unwritable still succeeds up to {@code max-pending-bytes}.
     */
    public boolean isWritable() {
        return held.isWritable() && !lifecycle.closing();
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
        if (settings.base.inLoopThread()) {
            throw new IllegalStateException("awaitWritable would block the loop thread that drains the output; "
                    + "use whenWritable() or BufferEventClientHandler.onWritabilityChanged there");
        }
        return held.awaitWritable(timeout) && isWritable();
    }

    /**
     * A future completed when the client is writable (already completed if it is now), or
     * exceptionally when it closes. A copy: completing it does nothing to the client.
     */
    public CompletableFuture<Void> whenWritable() {
        return held.whenWritable();
    }

    // ------------------------------------------------------------------ state, any thread

    /** The current state. */
    public State state() {
        switch (lifecycle.value()) {
            case Lifecycle.CLOSED:
                return State.CLOSED;
            case Lifecycle.CLOSING:
                return State.CLOSING;
            case Lifecycle.NEW:
                return State.STOPPED;
            default:
                return pool.state();
        }
    }

    /** Whether at least one connection is up. */
    public boolean isConnected() {
        return lifecycle.value() == Lifecycle.STARTED && pool.connected() > 0;
    }

    /** Connections up now. */
    public int connectedConnections() {
        return pool.connected();
    }

    /** Consecutive failed attempts of the first connection since it was last up (0 when up). */
    public int reconnectAttempt() {
        return pool.first().failedAttempts();
    }

    /** Successful reconnects (connects after the first) so far. */
    public long reconnects() {
        return events.reconnects();
    }

    /** The last connection error, or null. */
    public Throwable lastError() {
        return events.lastError();
    }

    /** When the last error happened, or null. */
    public Instant lastErrorAt() {
        return events.lastErrorAt();
    }

    /** Since when the first connection that is up has been up, or null. */
    public Instant connectedSince() {
        return pool.connectedSince();
    }

    /** The peer of the first connection that is (or was last) up, or null. */
    public SocketAddress remoteAddress() {
        return pool.remoteAddress();
    }

    /** Bytes written while no connection took them, waiting (a snapshot). */
    public long pendingBytes() {
        return held.queued();
    }

    /**
     * Unsent bytes the client holds: queued or pending, plus the connections' output (a snapshot;
     * while the loop moves a request into an output it may be counted in both, never in neither).
     */
    public long heldBytes() {
        return held.held();
    }

    /** Exchanges outstanding: waiting to be sent, in flight, or timed out and still owed a reply. */
    public int exchangesInFlight() {
        return admission.outstanding();
    }

    /** Input bytes buffered on the connections. */
    public long bufferedInput() {
        return pool.inputBytes();
    }

    /** Output bytes buffered on the connections (not counting {@link #pendingBytes()}). */
    public long bufferedOutput() {
        return pool.outputBytes();
    }

    /** The bufferevents of the connections that have one now (a snapshot, for diagnostics). */
    public List<BufferEvent> bufferEvents() {
        return pool.bufferEvents();
    }

    /** The bufferevent of the first connection, or null (for diagnostics and advanced use). */
    public BufferEvent bufferEvent() {
        return pool.first().published;
    }

    /** A snapshot of each pooled connection, for health and diagnostics. */
    public List<ConnectionInfo> connections() {
        return pool.infos();
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
     * @param tls what the TLS connection that is up agreed on (protocol, cipher suite, peer
     *        certificate), or null for plain TCP or no connection
     */
    public record ConnectionInfo(int index, String state, String target, SocketAddress remoteAddress, Instant connectedSince,
            int inFlight, long bufferedOutput, int reconnectAttempt, TlsInfo tls) {
    }

    @Override
    public String toString() {
        return "BufferEventClient[" + name() + " -> " + addresses() + ", " + state() + "]";
    }

    /**
     * Settings of a new {@link BufferEventClient}; each setter checks its argument and names it in
     * the exception. Not thread-safe: use on one thread, then {@link #build()}.
     */
    public static final class Builder {
        final EventBase base;
        final String name;
        BufferEventFactory factory;
        final List<InetSocketAddress> addresses = new ArrayList<>();
        Framing framing;
        Duration replyTimeout = Duration.ofSeconds(5);
        int maxInFlight = 10_000;
        int poolSize = 1;
        boolean failback = true;
        PendingPolicy pendingPolicy = PendingPolicy.BUFFER;
        long maxPendingBytes = 1024 * 1024;
        long writeBufferHighWaterMark = 64 * 1024;
        long writeBufferLowWaterMark = 32 * 1024;
        Backoff backoff = new Backoff(true, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.2);
        boolean reconnectOnDemand = true;
        Duration reconnectLogInterval = Duration.ofMinutes(1);
        boolean required;
        BufferEventClientHandler handler;
        Supplier<SSLContext> sslContext;
        String sslServerName;
        Consumer<SSLEngine> sslEngineConfigurer;
        ExchangeListener listener = ExchangeListener.NONE;
        Transport transport;

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
            return InetSocketAddress.createUnresolved(host.trim(), ClientSettings.inRange("port", port, 1, 65535));
        }

        /**
         * TLS on every connection and reconnection, with {@code context}'s trust (and key, for
         * mutual TLS): each is the factory's {@link BufferEventFactory#ssl}, so it sends the server
         * name (SNI) and verifies it against the certificate unless the factory turned that off.
         * {@code serverName} null: each address's host. A connection counts as connected (and
         * {@code onConnected} runs) once its handshake completed; a failed handshake is a failed
         * connect, retried with backoff like a refused one. Null context: plain TCP (the default).
         */
        public Builder ssl(SSLContext context, String serverName) {
            this.sslContext = context == null ? null : () -> context;
            this.sslServerName = serverName;
            return this;
        }

        /**
         * As {@link #ssl(SSLContext, String)}, with the context asked for again on every new
         * connection (on the thread that opens it: the loop thread, or the caller of
         * {@code connect()}): what a rotated certificate needs, new connections take the new
         * material while live ones keep theirs. The supplier must return quickly and not block;
         * an exception or null from it fails that attempt like a refused connect. Null: plain TCP.
         */
        public Builder ssl(Supplier<SSLContext> context, String serverName) {
            this.sslContext = context;
            this.sslServerName = serverName;
            return this;
        }

        /**
         * Runs on each new TLS engine after the secure defaults (SNI, host name verification) are
         * set and before the handshake: for enabled protocols, cipher suites and other
         * {@code SSLParameters} (default: none). Same thread rules as {@link #ssl(Supplier, String)}.
         */
        public Builder sslEngineConfigurer(Consumer<SSLEngine> configurer) {
            this.sslEngineConfigurer = configurer;
            return this;
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
            this.maxInFlight = (int) ClientSettings.atLeast("maxInFlight", max, 1);
            return this;
        }

        /** Connections in the pool (default 1, at most 64); an exchange goes to the one with the fewest in flight. */
        public Builder poolSize(int size) {
            this.poolSize = ClientSettings.inRange("poolSize", size, 1, 64);
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
            this.maxPendingBytes = ClientSettings.atLeast("maxPendingBytes", bytes, 0);
            return this;
        }

        /** Unwritable at {@code high} bytes held, writable again at {@code low} (defaults 64 KiB, 32 KiB; capped at maxPendingBytes). */
        public Builder writeBufferWaterMarks(long low, long high) {
            ClientSettings.atLeast("write buffer high water mark", high, 1);
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

        /**
         * Whether a write, send or exchange made while no connection is up and the client waits
         * in backoff starts a reconnect attempt at once (default true), so a client comes back
         * with demand rather than at the end of a long backoff. At most one attempt per connection
         * is in flight, and on-demand attempts start no closer together than the initial backoff.
         */
        public Builder reconnectOnDemand(boolean onDemand) {
            this.reconnectOnDemand = onDemand;
            return this;
        }

        /**
         * The longest time between two WARNs about failed attempts while the client stays
         * disconnected (default 1 min); attempts 1, 2, 4, 8, … always WARN, the others log at DEBUG.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder reconnectLogInterval(Duration interval) {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("reconnectLogInterval must be greater than 0, was " + interval);
            }
            this.reconnectLogInterval = interval;
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

        /**
         * Where connections get their bufferevents (default null: the {@link #factory}'s sockets,
         * or TLS sockets with {@link #ssl}). For tests against an in-memory peer (the
         * {@code bufferevent-test} module's embedded client); the failback probe uses it too.
         * Not combinable with {@link #ssl}: the transport decides what the bytes travel over.
         */
        public Builder transport(Transport transport) {
            this.transport = transport;
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
            if (transport != null && sslContext != null) {
                throw new IllegalStateException("client '" + name + "': transport(...) and ssl(...) exclude each other; "
                        + "the transport decides what the bytes travel over");
            }
            return new BufferEventClient(new ClientSettings(this));
        }
    }
}
