package io.github.bufferevent;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;

/**
 * libevent's {@code bufferevent}: an input and an output {@link EvBuffer}, read, write and event
 * callbacks, watermarks and timeouts, driven by an {@link EventBase}. One type for every kind, as
 * in libevent: what a kind does differently (a socket, a pair, a filter, TLS) lives in a package-private backend.
 *
 * <p>Threads: callbacks run on the base's loop thread, holding this bufferevent's lock (unless
 * {@link BevOption#UNLOCK_CALLBACKS}). Created with {@link BevOption#THREADSAFE}, every method
 * may be called from any thread; concurrent writes each stay contiguous, in the order the calls
 * returned. A call from another thread while the loop runs never waits for the lock: writes are
 * handed over through a lock-free queue and settings through the base's task queue (as Netty
 * does), so user code may take its own locks in callbacks and around writes without deadlock.
 * The exceptions are {@link #read}, {@link #readBuffer} and {@link #lock()}, which must touch the
 * input now and so wait for a running callback to return. Without THREADSAFE, a call from any
 * thread other than the loop thread while the loop runs fails with {@link IllegalStateException};
 * before the loop runs, the thread setting things up may call anything (as in libevent).
 * {@link #free()} may be called from inside any callback. The getters marked "any thread" read
 * snapshots and never need the loop.
 */
public final class BufferEvent extends LoopCallback implements AutoCloseable {

    /** {@code bufferevent_data_cb} for reading: input reached the read low watermark. */
    @FunctionalInterface
    public interface ReadCallback {
        /** Called on the loop thread. */
        void onRead(BufferEvent bev);
    }

    /** {@code bufferevent_data_cb} for writing: output drained to the write low watermark. */
    @FunctionalInterface
    public interface WriteCallback {
        /** Called on the loop thread. */
        void onWrite(BufferEvent bev);
    }

    /** {@code bufferevent_event_cb}: {@link BevEvent} flags such as {@code EOF|READING} or {@code CONNECTED}. */
    @FunctionalInterface
    public interface EventCallback {
        /** Called on the loop thread. */
        void onEvent(BufferEvent bev, int events);
    }

    static final int DEFAULT_MAX_SINGLE_READ = 16384;
    /**
     * 60 KiB, where libevent uses 16 KiB: through NIO each write(2) costs more than in C, and
     * streaming to loopback measured 0.63x Netty's throughput with 16 KiB writes, 0.85x with
     * 64 KiB (benchmarks/RESULTS.md). Not 64 KiB: TCP builds packets of at most its size goal
     * (one GSO packet: 65,483 bytes on loopback, whose MSS it is; 45 x 1,448 = 65,160 on
     * Ethernet), and with TCP_NODELAY a write just above it leaves as a full packet plus a tiny
     * one (53 bytes on loopback), each waking the receiver: 64 KiB writes sent 30 packets per MB
     * where 60 KiB ones send 16-17. {@code setMaxSingleWrite(16384)} restores libevent's.
     */
    static final int DEFAULT_MAX_SINGLE_WRITE = 60 * 1024;
    /**
     * Most bytes one bufferevent writes in one loop turn, however often its write callback
     * refills the output: beyond it the rest waits for the next turn, so one busy writer cannot
     * keep the loop from other channels, timers and events (it held turns of 30-40 ms with the
     * whole output of a refilling writer; see benchmarks/fairness.sh).
     */
    static final long WRITE_BUDGET_PER_TURN = 1024 * 1024;

    private final EventBase base;
    final boolean closeOnFree;
    private final ReentrantLock lock;
    private final EvBuffer input;
    private final EvBuffer output;
    // The parts every kind shares, each in a class of its own; the backends reach them directly.
    final BevLifecycle life = new BevLifecycle();
    final BevFlowControl flow = new BevFlowControl();
    final SafeInstrumentation instrumentation;
    final BevCallbacks callbacks;
    final BevTimeouts timeouts = new BevTimeouts(this);
    final BevIoEvents io = new BevIoEvents(this);
    final BevWriteSide writes;
    final BevThreadRules threads;
    final BevBackend backend;
    /** Rate limits: null until the first {@link #setRateLimit} or {@link #addToRateLimitGroup}. */
    volatile BevRateLimit rateLimit;
    /** The bufferevent stacked on this one (a filter, TLS), which finishes this one after its trailer or close_notify; or null. */
    private volatile BufferEvent above;

    private volatile int maxSingleRead = DEFAULT_MAX_SINGLE_READ;
    private volatile int maxSingleWrite = DEFAULT_MAX_SINGLE_WRITE;
    private boolean flushQueued;
    private final BevBufferHook hook = new BevBufferHook(this);

    /** With THREADSAFE, {@code sharedLock} (if not null) is the lock, as a filter shares its underlying's. */
    BufferEvent(EventBase base, EnumSet<BevOption> options, Instrumentation instrumentation, ReentrantLock sharedLock,
            Function<BufferEvent, BevBackend> backend) {
        this.base = base;
        boolean threadSafe = options.contains(BevOption.THREADSAFE);
        this.closeOnFree = options.contains(BevOption.CLOSE_ON_FREE);
        this.lock = !threadSafe ? null : sharedLock != null ? sharedLock : new ReentrantLock();
        this.writes = new BevWriteSide(this, threadSafe);
        this.threads = new BevThreadRules(this, base, threadSafe);
        this.instrumentation = SafeInstrumentation.of(instrumentation);
        this.callbacks = new BevCallbacks(this, options.contains(BevOption.DEFER_CALLBACKS),
                options.contains(BevOption.UNLOCK_CALLBACKS) ? lock : null);
        ChunkPool pool = new ChunkPool();
        this.input = new EvBuffer(pool);
        this.output = new EvBuffer(pool);
        this.input.hook(hook);
        this.output.hook(hook);
        this.backend = backend.apply(this);
    }

    /**
     * {@code bufferevent_socket_new()}: a bufferevent on {@code channel}, or on no channel yet
     * (null, libevent's fd -1) for a later {@link #connect}. A given channel is switched to
     * non-blocking mode. Writing starts enabled, reading disabled.
     *
     * @throws IllegalStateException if the base is closed, or (without THREADSAFE) the caller is
     *     a foreign thread while the loop runs
     * @throws IOException if the channel cannot be made non-blocking
     */
    public static BufferEvent socket(EventBase base, SocketChannel channel, BevOption... options) throws IOException {
        return BevFactory.socket(base, channel, base.instrumentation(), options);
    }

    /**
     * {@code bufferevent_pair_new()}: two bufferevents linked in memory, both connected from
     * birth, for a protocol handler tested without a socket or two parts of one program talking.
     * Bytes written on one side arrive in the other's input on the loop, respecting the
     * receiver's read high watermark (the rest waits in the sender's {@link #output()});
     * {@code flush(Ev.WRITE, FINISHED)} moves everything, then the partner gets
     * {@code EOF|READING}; freeing one side gives the partner {@code EOF|READING} too. As in
     * libevent, callbacks always run deferred ({@link BevOption#DEFER_CALLBACKS} is implied) and
     * with THREADSAFE both sides share one lock.
     *
     * @return the two sides, each the other's {@link #pairPartner()}
     * @throws IllegalStateException if the base is closed, or (without THREADSAFE) the caller is
     *     a foreign thread while the loop runs
     */
    public static BufferEvent[] pair(EventBase base, BevOption... options) {
        return BevFactory.pair(base, options);
    }

    /**
     * {@code bufferevent_pair_get_partner()}: the other side of a pair; null if this is not a
     * pair or the partner was freed (already inside the {@code EOF} callback that says so). Any thread.
     */
    public BufferEvent pairPartner() {
        return backend.pairPartner();
    }

    /**
     * {@code bufferevent_filter_new()}: a bufferevent on top of {@code underlying} (on its base).
     * The input filter turns what arrives in the underlying's input into this bufferevent's input;
     * the output filter turns this bufferevent's output into the underlying's output; a null
     * filter passes bytes through. The filter takes the underlying's callbacks over (do not set
     * them again) and passes its events up; {@link #connect} and {@link #connectHostname} act on
     * the underlying. {@code flush(Ev.WRITE, BevFlush.FINISHED)} lets the output filter write its
     * trailer, then finishes the underlying (the peer reads every byte, then EOF). With
     * {@link BevOption#CLOSE_ON_FREE}, {@link #free()} frees the underlying too; without it the
     * underlying is left with no callbacks. With {@link BevOption#THREADSAFE} the filter shares a
     * THREADSAFE underlying's lock (as libevent does), so one lock guards the whole stack. Filters
     * stack: the underlying may itself be a filter. Writing starts enabled, reading disabled.
     *
     * @throws IllegalStateException if the underlying is freed, its base is closed, or (without
     *     THREADSAFE) the caller is a foreign thread while the loop runs
     */
    public static BufferEvent filter(BufferEvent underlying, BevFilter input, BevFilter output, BevOption... options) {
        return BevFactory.filter(underlying, input, output, options);
    }

    /**
     * {@code bufferevent_openssl_socket_new()}: a TLS bufferevent on {@code channel}, or on no
     * channel yet (null, libevent's fd -1) for a later {@link #connect} or
     * {@link #connectHostname}. Its input and output hold plaintext; the records travel through a
     * socket bufferevent of its own, hidden and freed with it ({@link #channel()},
     * {@link #remoteAddress()} and {@link #dnsError()} are that socket's). {@code state}:
     * {@link BevSslState#CONNECTING} puts the engine in client mode and starts the handshake once
     * the channel is connected (at once if it is), {@link BevSslState#ACCEPTING} in server mode
     * (a channel accepted by a {@link ConnectionListener}), {@link BevSslState#OPEN} takes an
     * engine past its handshake. {@link BevEvent#CONNECTED} is reported when the handshake
     * completes (before, the state is connecting: the connect timeout if set, else the write
     * timeout, bounds the handshake and expires as {@code TIMEOUT|WRITING}); a failed handshake
     * is {@code ERROR|READING} with {@link #sslError()} set. Data may be written before. The
     * engine's delegated tasks run off the loop ({@link EventBase.Builder#delegatedTaskExecutor}).
     * {@code flush(Ev.WRITE, BevFlush.FINISHED)} sends close_notify after the data; the peer's
     * close_notify arrives as {@code EOF|READING}, a TCP close without it as {@code ERROR|READING}
     * (see {@link #setAllowDirtyShutdown}). The engine's settings are the caller's: for a client,
     * create it with {@code SSLContext.createSSLEngine(host, port)} and set the endpoint
     * identification algorithm ("HTTPS") to have the host name verified, or use
     * {@link BufferEventFactory#ssl}, which does both.
     *
     * @throws IllegalArgumentException if the engine's handshake has begun and {@code state} is not OPEN
     * @throws IllegalStateException if the base is closed, or (without THREADSAFE) the caller is
     *     a foreign thread while the loop runs
     * @throws IOException if the channel cannot be made non-blocking
     */
    public static BufferEvent sslSocket(EventBase base, SocketChannel channel, SSLEngine engine, BevSslState state, BevOption... options)
            throws IOException {
        return BevFactory.sslSocket(Objects.requireNonNull(base, "base"), channel, engine, state, base.instrumentation(), options);
    }

    /**
     * {@code bufferevent_openssl_filter_new()}: a TLS bufferevent on top of {@code underlying}
     * (any kind, on its base), which carries the records. It takes the underlying's callbacks over
     * (do not set them again) and reads from it only as the handshake and its own read side need;
     * {@link #connect} and {@link #connectHostname} act on the underlying. Over a connected
     * underlying the handshake starts at once, otherwise when the underlying connects. With
     * {@link BevOption#CLOSE_ON_FREE}, {@link #free()} frees the underlying too; without it the
     * underlying is left with no callbacks. A FINISHED flush finishes the underlying after
     * close_notify. With THREADSAFE it shares a THREADSAFE underlying's lock. Otherwise as
     * {@link #sslSocket}.
     *
     * @throws IllegalArgumentException if the engine's handshake has begun and {@code state} is not OPEN
     * @throws IllegalStateException if the underlying is freed or already has a filter or TLS
     *     bufferevent on it, its base is closed, or (without THREADSAFE) the caller is a foreign thread while the loop runs
     */
    public static BufferEvent sslFilter(BufferEvent underlying, SSLEngine engine, BevSslState state, BevOption... options) {
        return BevFactory.sslFilter(underlying, engine, state, options);
    }

    /** The lock a filter above shares (null without THREADSAFE). */
    ReentrantLock lockObject() {
        return lock;
    }

    // ------------------------------------------------------------------ connect

    /**
     * {@code bufferevent_socket_connect()}: starts connecting to {@code address} (opening a
     * non-blocking channel with TCP_NODELAY if the bufferevent has none). Success arrives as
     * exactly {@link BevEvent#CONNECTED}; failure as {@link BevEvent#ERROR} with the cause in
     * {@link #socketError()}; a connect timeout (the write timeout, or {@link #setConnectTimeout})
     * as {@code WRITING|TIMEOUT}. Nothing is reported from inside this call. Data may be written
     * before the connection completes. With a null address, the bufferevent's channel must be
     * connecting already; it is then watched until it completes.
     *
     * @throws IllegalArgumentException if the address is unresolved or its port is outside 1..65535,
     *     or the address is null and the channel is not connecting
     * @throws IllegalStateException if freed, already connecting or connected, or not a socket
     * @throws IOException if no channel can be opened
     */
    public void connect(SocketAddress address) throws IOException {
        backend.connect(address);
    }

    /**
     * {@code bufferevent_socket_connect_hostname()}: resolves {@code host} off the loop thread
     * (with the base's {@link HostResolver}), then connects to each resolved address in turn until
     * one succeeds. A resolution failure arrives as {@link BevEvent#ERROR} with
     * {@link #dnsError()} set.
     *
     * @throws IllegalArgumentException if the port is outside 1..65535 or the host is blank
     * @throws IllegalStateException if freed, already connecting or connected, or not a socket
     */
    public void connectHostname(String host, int port) {
        backend.connectHostname(host, port);
    }

    // ------------------------------------------------------------------ callbacks and settings

    /** {@code bufferevent_setcb()}: replaces the three callbacks; null removes one. */
    public void setCallbacks(ReadCallback read, WriteCallback write, EventCallback event) {
        threads.check("setCallbacks");
        callbacks.set(read, write, event);
    }

    /** {@code bufferevent_enable()}: enables {@link Ev#READ} and/or {@link Ev#WRITE}. */
    public void enable(int what) {
        Ev.checkDirections("what", what);
        threads.check("enable");
        flow.enable(what);
        timeouts.resetSoon(); // as libevent re-adding the events: the enabled direction's timeout starts anew
        threads.update();
    }

    /** {@code bufferevent_disable()}: disables {@link Ev#READ} and/or {@link Ev#WRITE}. */
    public void disable(int what) {
        Ev.checkDirections("what", what);
        threads.check("disable");
        flow.disable(what);
        threads.update();
    }

    /** {@code bufferevent_get_enabled()}: the enabled directions. Any thread. */
    public int enabled() {
        return flow.enabled();
    }

    /**
     * {@code bufferevent_setwatermark()}. Read low: the read callback runs only once input holds
     * at least this much. Read high (0 = unlimited): each read is capped at high minus the current
     * input, and reading suspends at high until the input drains below it. Write low: the write
     * callback runs once output drains to this much or less. Write high (0 = unlimited): how much a
     * filter bufferevent on top of this one queues in this output at most (as in libevent).
     *
     * @throws IllegalArgumentException if a mark is negative, or for READ low exceeds a non-zero high
     */
    public void setWatermark(int events, long low, long high) {
        Ev.checkDirections("events", events);
        BevChecks.lowWatermark("write", low);
        if ((events & Ev.READ) != 0) {
            BevChecks.readWatermark(low, high);
        } else if (high < 0) {
            throw new IllegalArgumentException("high watermark must be >= 0 (0 = unlimited), was " + high);
        }
        threads.runLocked("setWatermark", () -> {
            if ((events & Ev.READ) != 0) {
                flow.readWatermark(low, high, input.length());
            }
            if ((events & Ev.WRITE) != 0) {
                flow.writeWatermark(low, high);
            }
            update();
        });
    }

    /**
     * {@code bufferevent_set_timeouts()}. Read: idle time allowed while reading is enabled and
     * not suspended. Write: time allowed without progress while output is pending or a connect is
     * under way. Null or zero removes a timeout. On expiry the direction is disabled and the
     * event callback gets {@code TIMEOUT|READING} or {@code TIMEOUT|WRITING}.
     *
     * @throws IllegalArgumentException if a duration is negative
     */
    public void setTimeouts(Duration read, Duration write) {
        long r = read == null ? 0 : EventBase.checkDelay("read timeout", read);
        long w = write == null ? 0 : EventBase.checkDelay("write timeout", write);
        threads.runLocked("setTimeouts", () -> {
            timeouts.set(r, w);
            update();
        });
    }

    /**
     * The connect timeout, when it should differ from the write timeout (libevent uses the write
     * timeout for connects; so do we when this is null or zero). Expiry is reported as
     * {@code WRITING|TIMEOUT}, as in libevent.
     */
    public void setConnectTimeout(Duration timeout) {
        long c = timeout == null ? 0 : EventBase.checkDelay("connect timeout", timeout);
        threads.runLocked("setConnectTimeout", () -> {
            timeouts.setConnect(c);
            update();
        });
    }

    /**
     * The TLS handshake's own timeout (nanoseconds, 0: the connect timeout, else the write
     * timeout), as {@link BufferEventFactory.Builder#sslHandshakeTimeout} sets it.
     */
    void setHandshakeTimeout(long nanos) {
        threads.runLocked("setHandshakeTimeout", () -> {
            timeouts.setHandshake(nanos);
            update();
        });
    }

    /**
     * {@code bufferevent_set_max_single_read()}: the most bytes one read takes from the socket;
     * 0 or -1 restores the default (16384).
     */
    public void setMaxSingleRead(int size) {
        int value = BevChecks.singleSize("size", size, DEFAULT_MAX_SINGLE_READ);
        threads.check("setMaxSingleRead");
        maxSingleRead = value;
    }

    /**
     * {@code bufferevent_set_max_single_write()}: the most bytes one write hands to the socket;
     * 0 or -1 restores the default (65536; libevent's is 16384).
     */
    public void setMaxSingleWrite(int size) {
        int value = BevChecks.singleSize("size", size, DEFAULT_MAX_SINGLE_WRITE);
        threads.check("setMaxSingleWrite");
        maxSingleWrite = value;
    }

    /** {@code bufferevent_get_max_single_read()}. */
    public int maxSingleRead() {
        return maxSingleRead;
    }

    /** {@code bufferevent_get_max_single_write()}. */
    public int maxSingleWrite() {
        return maxSingleWrite;
    }

    // ------------------------------------------------------------------ rate limits

    /**
     * {@code bufferevent_set_rate_limit()}: token buckets for this bufferevent's reads and writes
     * (see {@link EvTokenBucketCfg}); null removes them. A direction whose bucket is spent is
     * suspended until a tick refills it. Changing the configuration keeps what the bucket holds,
     * clipped to the new bursts. Group limits ({@link #addToRateLimitGroup}) apply as well.
     */
    public void setRateLimit(EvTokenBucketCfg cfg) {
        threads.runLocked("setRateLimit", () -> BevRateLimit.configure(this, cfg));
    }

    /**
     * {@code bufferevent_add_to_rate_limit_group()}: this bufferevent shares {@code group}'s
     * bucket with the other members (leaving any group it was in).
     *
     * @throws IllegalArgumentException if the group runs on another base
     * @throws IllegalStateException if the group was freed
     */
    public void addToRateLimitGroup(BevRateLimitGroup group) {
        BevRateLimit.checkJoin(this, group);
        threads.runLocked("addToRateLimitGroup", () -> BevRateLimit.of(this).join(group));
    }

    /** {@code bufferevent_remove_from_rate_limit_group()}: out of its group (if any), no longer held back by it. */
    public void removeFromRateLimitGroup() {
        threads.runLocked("removeFromRateLimitGroup", () -> BevRateLimit.leave(this));
    }

    /**
     * {@code bufferevent_get_read_limit()}: bytes the own read bucket holds now (negative while it
     * pays back an overdraft), no more than the group's share when in a group; Long.MAX_VALUE
     * with no read limit. Any thread (a snapshot).
     */
    public long readLimit() {
        return BevRateLimit.limit(this, false);
    }

    /** {@code bufferevent_get_write_limit()}: as {@link #readLimit()}, for writing. Any thread (a snapshot). */
    public long writeLimit() {
        return BevRateLimit.limit(this, true);
    }

    // ------------------------------------------------------------------ data

    /**
     * {@code bufferevent_get_input()}. Touch it on the loop thread (inside callbacks), or from
     * another thread between {@link #lock()} and {@link #unlock()} of a THREADSAFE bufferevent.
     */
    public EvBuffer input() {
        return input;
    }

    /** {@code bufferevent_get_output()}. Same thread rule as {@link #input()}. */
    public EvBuffer output() {
        return output;
    }

    /**
     * {@code bufferevent_write()}: appends to the output; the loop writes it. From another thread
     * (THREADSAFE) the bytes are copied and handed to the loop without waiting for the lock; they
     * count in {@link #bufferedOutput()} at once and reach {@link #output()} on the loop's next turn.
     *
     * @throws IllegalStateException if freed, if a FINISHED flush was asked for (nothing more can
     *     be written), or if the base is closed
     */
    public void write(byte[] data) {
        write(data, 0, Objects.requireNonNull(data, "data").length);
    }

    /** {@code bufferevent_write()} of {@code len} bytes of {@code data} from {@code off}. */
    public void write(byte[] data, int off, int len) {
        writes.write(data, off, len);
    }

    /** {@code bufferevent_write()} of the remaining bytes of {@code src} (its position advances). */
    public void write(ByteBuffer src) {
        writes.write(src);
    }

    /** {@code bufferevent_write_buffer()}: moves all of {@code src} to the output. */
    public void writeBuffer(EvBuffer src) {
        writes.writeBuffer(src);
    }

    /** {@code bufferevent_read()}: removes up to {@code dst.length} bytes of input; returns the count. */
    public int read(byte[] dst) {
        Objects.requireNonNull(dst, "dst");
        threads.check("read");
        lock();
        try {
            return input.remove(dst);
        } finally {
            unlock();
        }
    }

    /** {@code bufferevent_read_buffer()}: moves all the input to {@code dst}; returns the bytes moved. */
    public long readBuffer(EvBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        threads.check("readBuffer");
        lock();
        try {
            long n = input.length();
            dst.addBuffer(input);
            return n;
        } finally {
            unlock();
        }
    }

    /**
     * {@code bufferevent_flush()}. On the write side, NORMAL and FLUSH write what the socket takes
     * now; FINISHED drains the whole output and then shuts the write side down, so the peer reads
     * every byte and then EOF. The read side has nothing to flush.
     *
     * @return 1 if output was pending, 0 if there was nothing to flush
     */
    public int flush(int iotype, BevFlush mode) {
        Ev.checkDirections("iotype", iotype);
        Objects.requireNonNull(mode, "mode");
        if ((iotype & Ev.WRITE) == 0) {
            threads.check("flush");
            checkNotFreed();
            return 0; // the read side has nothing to flush
        }
        return writes.flush(mode);
    }

    /**
     * {@code bufferevent_trigger()}: runs the read and/or write callback as if data had arrived or
     * drained, respecting the watermarks unless {@link BevTrigger#IGNORE_WATERMARKS}; deferred with
     * {@link BevTrigger#DEFER_CALLBACKS} or the {@link BevOption#DEFER_CALLBACKS} option.
     */
    public void trigger(int iotype, int options) {
        Ev.checkDirections("iotype", iotype);
        // Callbacks run on the loop thread: a call from another thread is always deferred.
        boolean defer = (options & BevTrigger.DEFER_CALLBACKS) != 0 || !base.onLoopOrIdle();
        boolean ignore = (options & BevTrigger.IGNORE_WATERMARKS) != 0;
        threads.runLocked("trigger", () -> {
            int data = 0;
            if ((iotype & Ev.READ) != 0 && (ignore || flow.readReady(input.length()))) {
                data |= BevCallbacks.READ;
            }
            if ((iotype & Ev.WRITE) != 0 && (ignore || flow.writeReady(output.length()))) {
                data |= BevCallbacks.WRITE;
            }
            callbacks.fire(data, 0, defer);
        });
    }

    /** {@code bufferevent_trigger_event()}: runs the event callback with {@code what}. */
    public void triggerEvent(int what, int options) {
        boolean defer = (options & BevTrigger.DEFER_CALLBACKS) != 0 || !base.onLoopOrIdle();
        threads.runLocked("triggerEvent", () -> callbacks.fire(0, what, defer));
    }

    // ------------------------------------------------------------------ free

    /**
     * {@code bufferevent_free()}: no callback runs after this returns; pending output is
     * discarded (use {@code flush(Ev.WRITE, BevFlush.FINISHED)} first to keep it); the loop
     * thread closes the channel with {@link BevOption#CLOSE_ON_FREE} (or when the bufferevent
     * opened it itself). Any thread with THREADSAFE, and inside any callback. Idempotent.
     */
    public void free() {
        if (isFreed()) {
            return;
        }
        if (threads.foreign("free")) {
            // No wait for the lock: a callback of this bufferevent may be running right now and
            // finishes; none starts after this (each checks the state first).
            life.markFreed();
            writes.close();
            try {
                base.execute(this::release);
            } catch (RejectedExecutionException closed) {
                // the base is closing and releases every bufferevent itself
            }
            return;
        }
        lock();
        try {
            life.markFreed();
            writes.close();
            release();
        } finally {
            unlock();
        }
    }

    /** Same as {@link #free()}. */
    @Override
    public void close() {
        free();
    }

    /** Whether {@link #free()} was called. Any thread. */
    public boolean isFreed() {
        return life.isFreed();
    }

    private void release() {
        lock();
        try {
            if (!life.markReleased()) {
                return;
            }
            writes.discard();
            timeouts.cancelAll();
            if (rateLimit != null) {
                rateLimit.release();
            }
            backend.destruct();
            base.removeLive(this);
            hook.clear();
        } finally {
            unlock();
        }
        instrumentation.freed(this);
    }

    void onBaseClosed() {
        life.markReleased();
        writes.discard();
        backend.baseClosed();
        hook.clear();
        instrumentation.freed(this);
    }

    // ------------------------------------------------------------------ getters

    /** {@code bufferevent_getfd()}: the channel, or null (not a socket, or before a connect opened one). Any thread. */
    public SocketChannel channel() {
        return backend.channel();
    }

    /** {@code bufferevent_get_underlying()}: the bufferevent a filter sits on, or null (a socket). Any thread. */
    public BufferEvent underlying() {
        return backend.underlying();
    }

    /**
     * {@code bufferevent_openssl_get_ssl()}: the engine of a TLS bufferevent (for its session,
     * protocol, cipher suite, peer certificates), or null for any other kind. Any thread; never
     * call {@code wrap}, {@code unwrap} or {@code close*} on it: the bufferevent drives it. While
     * the handshake runs, one of the engine's tasks may hold its lock off the loop, and its
     * getters then wait for it: ask after {@link BevEvent#CONNECTED}.
     */
    public SSLEngine sslEngine() {
        return backend instanceof SslBackend ? ((SslBackend) backend).engine() : null;
    }

    /**
     * {@code bufferevent_get_openssl_error()}: why the TLS session failed (the
     * {@code SSLException} of a failed handshake, a bad record, an alert from the peer, or a close
     * without close_notify), set before the {@code ERROR} event; null if none or not TLS. Any thread.
     */
    public Throwable sslError() {
        return backend instanceof SslBackend ? ((SslBackend) backend).sslError() : null;
    }

    /**
     * {@code bufferevent_openssl_set_allow_dirty_shutdown()}: whether a TCP close without the
     * peer's close_notify (after the handshake) is a plain {@code EOF|READING} (true) rather than
     * {@code ERROR|READING} with {@link #sslError()} set (false, the default: the data may have
     * been cut short). Any thread.
     *
     * @throws IllegalStateException if this is not a TLS bufferevent
     */
    public void setAllowDirtyShutdown(boolean allow) {
        if (!(backend instanceof SslBackend)) {
            throw new IllegalStateException("setAllowDirtyShutdown applies to TLS bufferevents (sslSocket, sslFilter); this is " + this);
        }
        ((SslBackend) backend).allowDirtyShutdown(allow);
    }

    /** {@code bufferevent_get_base()}. Any thread. */
    public EventBase base() {
        return base;
    }

    /** The cause of the last {@link BevEvent#ERROR}, like {@code EVUTIL_SOCKET_ERROR()}; null if none. Any thread. */
    public Throwable socketError() {
        return io.socketError();
    }

    /** {@code bufferevent_socket_get_dns_error()}: why the last host name failed to resolve, or null. Any thread. */
    public Throwable dnsError() {
        return backend.dnsError();
    }

    /** Bytes in the input buffer (a snapshot). Any thread. */
    public long bufferedInput() {
        return hook.input();
    }

    /** Bytes in the output buffer, with those other threads wrote and the loop has not taken yet (a snapshot). Any thread. */
    public long bufferedOutput() {
        return hook.output() + writes.handedOverBytes();
    }

    /** Bytes read from the socket so far. Any thread. */
    public long totalRead() {
        return io.totalRead();
    }

    /** Bytes written to the socket so far. Any thread. */
    public long totalWritten() {
        return io.totalWritten();
    }

    /** Whether the connection is established (and not freed). Any thread. */
    public boolean isConnected() {
        return life.isConnected();
    }

    /** The peer address (or the one being connected to), or null. Any thread. */
    public SocketAddress remoteAddress() {
        return backend.remoteAddress();
    }

    /** When the connection was established, or null. Any thread. */
    public Instant connectedSince() {
        return life.connectedSince();
    }

    /**
     * {@code bufferevent_lock()}: with THREADSAFE, holds the lock guarding this bufferevent and
     * its buffers, so another thread may use {@link #input()}/{@link #output()} directly. Reentrant.
     * A no-op without THREADSAFE.
     */
    public void lock() {
        if (lock != null) {
            lock.lock();
        }
    }

    /** {@code bufferevent_unlock()}. */
    public void unlock() {
        if (lock != null) {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        SocketAddress remote = backend.remoteAddress();
        return "BufferEvent[" + backend.kind() + ", " + (remote == null ? "unconnected" : remote)
                + ", state=" + life.name() + "]";
    }

    // ------------------------------------------------------------------ for the loop and the backends (loop thread, lock held)

    /** Makes the backend's I/O and the timers match the state. */
    void refresh() {
        if (life.isReleased()) {
            return;
        }
        backend.sync();
        backend.adjustTimeouts();
    }

    /** Lock held: write at the end of this loop turn (or have the loop do so). */
    void requestFlush() {
        if (!base.onLoopOrIdle()) {
            threads.queueSync();
            return;
        }
        if (!flushQueued && !life.isReleased()) {
            flushQueued = true;
            base.queueFlush(this);
        }
    }

    /** Called by the base at the end of a turn. */
    void flushQueued() {
        lock();
        try {
            flushQueued = false;
            if (!isFreed()) {
                backend.flushQueued();
            }
        } finally {
            unlock();
        }
    }

    /** Called by the base after the turn's I/O: runs the coalesced deferred callbacks. */
    void runDeferred() {
        lock();
        try {
            callbacks.runDeferred();
        } finally {
            unlock();
        }
    }

    // ------------------------------------------------------------------ graceful shutdown

    /** Loop thread: a graceful shutdown began; drain the output and shut the write side down. */
    void startShutdownFlush() {
        lock();
        try {
            writes.startShutdownFlush();
        } finally {
            unlock();
        }
    }

    /** Whether a FINISHED flush still waits for output to drain. */
    boolean shutdownFlushPending() {
        int s = life.state();
        return writes.finishPending() && (s == BevLifecycle.CONNECTED || s == BevLifecycle.CONNECTING);
    }

    // ------------------------------------------------------------------ threads

    /** Any thread, lock held or not: {@link #refresh()} now on the loop, or soon from another thread. */
    void update() {
        threads.update();
    }

    /** The loop's answer to {@link BevThreadRules#queueSync()}: take what other threads handed over. */
    void sync() {
        writes.takeHandedOver();
        refresh();
    }

    /** A filter or TLS bufferevent now sits on this one ({@code null}: none any more); it finishes this one after its trailer or close_notify. */
    void stackUnder(BufferEvent upper) {
        above = upper;
    }

    /** Whether a live bufferevent sits on this one, so that a graceful shutdown leaves finishing this one to it. */
    boolean stackedUnder() {
        BufferEvent a = above;
        return a != null && !a.life.isReleased();
    }

    /** The bufferevent stacked on this one, or null. */
    BufferEvent above() {
        return above;
    }

    void checkNotFreed() {
        if (isFreed()) {
            throw new IllegalStateException("this bufferevent has been freed");
        }
    }
}
