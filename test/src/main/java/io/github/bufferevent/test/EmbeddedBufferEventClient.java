package io.github.bufferevent.test;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import io.github.bufferevent.client.Framing;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A real {@link BufferEventClient} whose peer is in memory, driven by the test's own thread: what
 * Netty's {@code EmbeddedChannel} is to a {@code ChannelHandler}. The test plays the server: it
 * writes what the server says ({@link #serverWrites}, {@link #serverSends}) and reads what the
 * client sent ({@link #readOutbound}, {@link #readOutboundFrame}); there is no socket and no loop
 * thread. Each connection is one side of a {@link BufferEvent#pair pair}, the other side is the
 * test's; the client's {@link EventBase} runs on the calling thread, and every method here runs
 * it until nothing is left to do before it returns, so handlers have run and futures have
 * completed by then. Time stands still unless {@link #advanceTime} moves it: the base runs on a
 * test clock, so reply timeouts, reconnect backoff and timers of handlers fire exactly when the
 * test says.
 *
 * <pre>{@code
 * try (EmbeddedBufferEventClient embedded = EmbeddedBufferEventClient.builder()
 *         .framing(Framing.line(EolStyle.CRLF, 1024)).build()) {
 *     CompletableFuture<String> reply = embedded.client().exchange("GET a");
 *     assertThat(embedded.readOutboundFrame()).isEqualTo("GET a");
 *     embedded.serverSends("1");
 *     assertThat(reply).isCompletedWithValue("1");
 * }
 * }</pre>
 *
 * <p>Everything the client's builder offers applies (framing, handler, reply timeout, pending
 * policy, pool size...) through {@link Builder#configure}; the client is connected when
 * {@link Builder#build()} returns (its handler's {@code onConnected} has run). After
 * {@link #disconnect()} it reconnects as a real client would, once its backoff has passed
 * ({@link #advanceTime}); the new connection is a new pair, and the test talks to it. With a pool
 * of several connections, what the server says goes to the connection opened last, and
 * {@link #readOutbound} reads what all of them sent, in the order it arrived.
 *
 * <p>Threads: one thread, the test's (the base refuses a second). Do not block on the client's
 * futures ({@code join}, {@code get}): nothing would complete them while you wait; check them with
 * AssertJ's {@code isCompletedWithValue} or {@link #result}.
 */
public final class EmbeddedBufferEventClient implements AutoCloseable {

    /** Passes without visible progress after which the base counts as idle (deferred callbacks chain at most this deep). */
    private static final int QUIET_PASSES = 4;
    private static final int MAX_PASSES = 100_000;

    private final AtomicLong clock = new AtomicLong(Duration.ofHours(1).toNanos());
    private final EventBase base;
    private final BufferEventClient client;
    private final Framing framing;
    /** What the client sent, taken from the peer sides' input as it arrives, not yet read by the test. */
    private final EvBuffer outbound = new EvBuffer();
    private BufferEvent peer;
    private boolean peerGotEof;
    private int connections;

    private EmbeddedBufferEventClient(Builder b) {
        this.base = EventBase.builder().clock(clock::get).threadName("embedded-" + b.name).build();
        try {
            BufferEventClient.Builder cb = BufferEventClient.builder(base, b.name).address("embedded", 1)
                    .framing(b.framing).replyTimeout(b.replyTimeout);
            if (b.handler != null) {
                cb.handler(b.handler);
            }
            if (b.configure != null) {
                b.configure.accept(cb);
            }
            this.client = cb.transport(this::open).build();
            this.framing = client.framing();
            client.connect();
            runPending();
        } catch (RuntimeException | Error e) {
            base.close();
            throw e;
        }
    }

    /** A builder: client name {@code embedded}, no framing (the handler reads raw bytes), reply timeout 5 s. */
    public static Builder builder() {
        return new Builder();
    }

    /** An embedded client with {@code framing} and {@code handler} (null: none), everything else by default. */
    public static EmbeddedBufferEventClient create(Framing framing, BufferEventClientHandler handler) {
        return builder().framing(framing).handler(handler).build();
    }

    /** The transport: each connection attempt gets a fresh pair, the test keeps the other side. */
    private BufferEvent open(InetSocketAddress address) {
        BufferEvent[] pair = BufferEvent.pair(base, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
        BufferEvent server = pair[1];
        server.setCallbacks(b -> outbound.addBuffer(b.input()), null, (b, events) -> {
            if ((events & (BevEvent.EOF | BevEvent.ERROR)) != 0) {
                if (b == peer) {
                    peerGotEof = true;
                }
                b.free(); // the client closed: the server closes its side too
            }
        });
        server.enable(Ev.READ);
        peer = server;
        peerGotEof = false;
        connections++;
        return pair[0];
    }

    // ------------------------------------------------------------------ the test's side

    /** The client under test. Call it freely; this class runs the loop when you next call it. */
    public BufferEventClient client() {
        return client;
    }

    /**
     * The server sends {@code bytes} as they are (no framing); returns once the client has
     * handled them.
     *
     * @throws IllegalStateException if no connection is up
     */
    public EmbeddedBufferEventClient serverWrites(byte[] bytes) {
        connectedPeer("write").write(bytes);
        runPending();
        return this;
    }

    /** {@link #serverWrites(byte[])} with UTF-8 text, written as it is (give the line ends yourself). */
    public EmbeddedBufferEventClient serverWrites(String text) {
        return serverWrites(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The server sends {@code frame}, encoded with the client's framing (a line gets its line end,
     * a length-field frame its header); returns once the client has handled it.
     *
     * @throws IllegalStateException if the client has no framing, or no connection is up
     */
    public EmbeddedBufferEventClient serverSends(byte[] frame) {
        BufferEvent p = connectedPeer("send");
        EvBuffer encoded = new EvBuffer();
        requireFraming("serverSends").encode(frame, encoded);
        p.writeBuffer(encoded);
        runPending();
        return this;
    }

    /** {@link #serverSends(byte[])} with UTF-8 text. */
    public EmbeddedBufferEventClient serverSends(String frame) {
        return serverSends(frame.getBytes(StandardCharsets.UTF_8));
    }

    /** Every byte the client sent that the test has not read yet (empty: none), after running what is pending. */
    public byte[] readOutbound() {
        runPending();
        byte[] all = new byte[(int) outbound.length()];
        outbound.remove(all);
        return all;
    }

    /** {@link #readOutbound()} as UTF-8 text. */
    public String readOutboundString() {
        return new String(readOutbound(), StandardCharsets.UTF_8);
    }

    /**
     * The next frame the client sent, decoded with its framing (without its delimiter or header),
     * or null if no whole frame is there; after running what is pending.
     *
     * @throws IllegalStateException if the client has no framing
     */
    public byte[] readOutboundFrameBytes() {
        Framing f = requireFraming("readOutboundFrame");
        runPending();
        return f.decode(outbound);
    }

    /** {@link #readOutboundFrameBytes()} as UTF-8 text, or null. */
    public String readOutboundFrame() {
        byte[] frame = readOutboundFrameBytes();
        return frame == null ? null : new String(frame, StandardCharsets.UTF_8);
    }

    /**
     * The server closes the connection (after what it wrote has reached the client): the client
     * sees {@code EOF|READING}, fails the exchanges in flight with {@code DisconnectedException},
     * calls its handler's {@code onDisconnected}, and schedules a reconnect
     * ({@link #advanceTime} past its backoff lets it happen).
     *
     * @throws IllegalStateException if no connection is up
     */
    public EmbeddedBufferEventClient disconnect() {
        BufferEvent p = connectedPeer("disconnect");
        runPending();
        p.free();
        runPending();
        return this;
    }

    /**
     * Moves the base's clock forward by {@code duration} and runs every timer that became due
     * (reply timeouts, reconnect backoff, {@code base.once}), and what they lead to.
     */
    public EmbeddedBufferEventClient advanceTime(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must be >= 0, was " + duration);
        }
        runPending(); // what is due now runs at the time it was due
        clock.addAndGet(duration.toNanos());
        runPending();
        return this;
    }

    /**
     * Runs the loop on this thread until nothing is left to do now: tasks handed over by the
     * client's calls, the transfers between the pair's sides, deferred callbacks, due timers.
     *
     * @throws IllegalStateException if it is still busy after 100,000 passes (a handler and the
     *     test peer answering each other forever)
     */
    public EmbeddedBufferEventClient runPending() {
        if (base.isClosed()) {
            return this;
        }
        long last = signature();
        int quiet = 0;
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            base.loop(EventBase.LOOP_NONBLOCK);
            long now = signature();
            if (now == last && base.pendingTasks() == 0) {
                if (++quiet >= QUIET_PASSES) {
                    return this;
                }
            } else {
                quiet = 0;
                last = now;
            }
        }
        throw new IllegalStateException("the embedded client is still busy after " + MAX_PASSES + " loop passes");
    }

    /** What moves when the loop does something: buffered bytes, bytes sent, connections, bufferevents. */
    private long signature() {
        long s = base.bufferedInputBytes();
        s = s * 31 + base.bufferedOutputBytes();
        s = s * 31 + outbound.length();
        s = s * 31 + base.liveBufferEvents();
        s = s * 31 + connections;
        s = s * 31 + client.exchangesInFlight();
        s = s * 31 + client.pendingBytes();
        s = s * 31 + client.state().ordinal();
        s = s * 31 + (peerGotEof ? 1 : 0);
        BufferEvent p = peer;
        return p == null ? s : s * 31 + p.totalRead();
    }

    /**
     * The value {@code future} completed with, after running what is pending.
     *
     * @throws AssertionError if it has not completed (the server has not answered yet), or
     *     completed exceptionally (the cause attached)
     */
    public <T> T result(CompletableFuture<T> future) {
        runPending();
        if (!future.isDone()) {
            throw new AssertionError("the future has not completed: nothing the server said so far answers it");
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new AssertionError("the future failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Whether the client's current connection is open on the server's side too (not closed by {@link #disconnect()} or by the client). */
    public boolean isConnected() {
        runPending();
        return peer != null && !peer.isFreed() && !peerGotEof && client.isConnected();
    }

    /** Whether the client closed its side of the current connection (the server got EOF), after running what is pending. */
    public boolean clientClosedConnection() {
        runPending();
        return peerGotEof;
    }

    /** Connections the client has opened so far (1 after {@link Builder#build()}; one more per reconnect). */
    public int connections() {
        return connections;
    }

    /** The base the client runs on, driven by this class (do not start or dispatch it). */
    public EventBase base() {
        return base;
    }

    /** Closes the client (its output drains to the server first), then the base. */
    @Override
    public void close() {
        if (base.isClosed()) {
            return;
        }
        try {
            client.close();
            runPending();
        } finally {
            base.close();
        }
    }

    private BufferEvent connectedPeer(String what) {
        runPending();
        BufferEvent p = peer;
        if (p == null || p.isFreed() || !client.isConnected()) {
            throw new IllegalStateException("cannot " + what + ": the client has no connection (state " + client.state()
                    + "); after disconnect(), advanceTime(...) past its backoff lets it reconnect");
        }
        return p;
    }

    private Framing requireFraming(String what) {
        if (framing == null) {
            throw new IllegalStateException(what + " needs a client with a framing (builder().framing(...)); "
                    + "use serverWrites/readOutbound for raw bytes");
        }
        return framing;
    }

    @Override
    public String toString() {
        return "EmbeddedBufferEventClient[" + client.name() + ", " + client.state() + ", " + connections + " connections]";
    }

    /** Settings of an {@link EmbeddedBufferEventClient}. Not thread-safe. */
    public static final class Builder {
        private String name = "embedded";
        private Framing framing;
        private BufferEventClientHandler handler;
        private Duration replyTimeout = Duration.ofSeconds(5);
        private Consumer<BufferEventClient.Builder> configure;

        private Builder() {
        }

        /** The client's name (default {@code embedded}). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The framing (default null: raw bytes to the handler's {@code onRead}). */
        public Builder framing(Framing framing) {
            this.framing = framing;
            return this;
        }

        /** The handler under test (default none). */
        public Builder handler(BufferEventClientHandler handler) {
            this.handler = handler;
            return this;
        }

        /** The reply timeout (default 5 s, as the client's); it runs on the test clock ({@link #advanceTime}). */
        public Builder replyTimeout(Duration timeout) {
            this.replyTimeout = timeout;
            return this;
        }

        /**
         * Anything else the client's builder offers (pool size, pending policy, reconnect backoff,
         * exchange listener...), applied after the settings above. Its address and transport are
         * this class's.
         */
        public Builder configure(Consumer<BufferEventClient.Builder> configure) {
            this.configure = configure;
            return this;
        }

        /** The client, connected (its handler's {@code onConnected} has run). */
        public EmbeddedBufferEventClient build() {
            return new EmbeddedBufferEventClient(this);
        }
    }
}
