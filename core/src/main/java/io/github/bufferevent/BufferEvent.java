package io.github.bufferevent;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * libevent's {@code bufferevent}: an input and an output {@link EvBuffer}, read, write and event
 * callbacks, watermarks and timeouts, driven by an {@link EventBase}. One type for every kind, as
 * in libevent: what a kind does differently (a socket, a filter) lives in a package-private backend.
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
public final class BufferEvent implements AutoCloseable {

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
     * 64 KiB, where libevent uses 16 KiB: through NIO each write(2) costs more than in C, and
     * streaming to loopback measured 0.63x Netty's throughput with 16 KiB writes, 0.85x with
     * 64 KiB (benchmarks/RESULTS.md). {@code setMaxSingleWrite(16384)} restores libevent's.
     */
    static final int DEFAULT_MAX_SINGLE_WRITE = 64 * 1024;
    /**
     * Most bytes one bufferevent writes in one loop turn, however often its write callback
     * refills the output: beyond it the rest waits for the next turn, so one busy writer cannot
     * keep the loop from other channels, timers and events (it held turns of 30-40 ms with the
     * whole output of a refilling writer; see benchmarks/fairness.sh).
     */
    static final long WRITE_BUDGET_PER_TURN = 1024 * 1024;

    /** Lifecycle states, in order: a bufferevent only moves forward, except CONNECTING back to NEW on failure. */
    static final int NEW = 0;
    static final int CONNECTING = 1;
    static final int CONNECTED = 2;
    /** {@link #free()} was called; the loop has not released it yet. */
    static final int FREED = 3;
    static final int RELEASED = 4;
    private static final String[] STATE_NAMES = {"new", "connecting", "connected", "freed", "released"};

    private static final VarHandle ENABLED;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ENABLED = l.findVarHandle(BufferEvent.class, "enabled", int.class);
            STATE = l.findVarHandle(BufferEvent.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EventBase base;
    private final boolean threadSafe;
    private final boolean closeOnFree;
    private final ReentrantLock lock;
    private final EvBuffer input;
    private final EvBuffer output;
    private final SafeInstrumentation instrumentation;
    private final BevCallbacks callbacks;
    private final BevTimeouts timeouts = new BevTimeouts(this);
    /** Writes from other threads on their way to the output; null without THREADSAFE. */
    private final WriteHandoff handoff;
    private final BevBackend backend;

    private volatile int state;
    private volatile int enabled = Ev.WRITE;
    /** {@link BevSuspend} reasons per direction. */
    private int readSuspended;
    private int writeSuspended;
    private long readLow;
    private long readHigh;
    private long writeLow;
    /** Only a filter above reads it: how much it may queue in this output ({@code wm_write.high}). */
    private long writeHigh;
    private volatile int maxSingleRead = DEFAULT_MAX_SINGLE_READ;
    private volatile int maxSingleWrite = DEFAULT_MAX_SINGLE_WRITE;

    /** A FINISHED flush drains the output; then the write side ends. */
    private boolean finishing;
    private boolean writeShut;
    private boolean flushQueued;
    /** No more writes: a FINISHED flush was asked for, or the bufferevent was freed. */
    private volatile boolean writeClosed;
    /** A FINISHED flush asked for by another thread, for the loop to start. */
    private volatile boolean finishRequested;
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final Runnable syncTask = this::sync;

    private volatile Throwable socketError;
    private volatile long publishedInput;
    private volatile long publishedOutput;
    private volatile long totalRead;
    private volatile long totalWritten;
    private volatile Instant connectedSince;

    private BufferEvent(EventBase base, EnumSet<BevOption> options, Instrumentation instrumentation,
            Function<BufferEvent, BevBackend> backend) {
        this(base, options, instrumentation, null, backend);
    }

    /** With THREADSAFE, {@code sharedLock} (if not null) is the lock, as a filter shares its underlying's. */
    private BufferEvent(EventBase base, EnumSet<BevOption> options, Instrumentation instrumentation, ReentrantLock sharedLock,
            Function<BufferEvent, BevBackend> backend) {
        this.base = base;
        this.threadSafe = options.contains(BevOption.THREADSAFE);
        this.closeOnFree = options.contains(BevOption.CLOSE_ON_FREE);
        this.lock = !threadSafe ? null : sharedLock != null ? sharedLock : new ReentrantLock();
        this.handoff = threadSafe ? new WriteHandoff() : null;
        this.instrumentation = SafeInstrumentation.of(instrumentation);
        this.callbacks = new BevCallbacks(this, options.contains(BevOption.DEFER_CALLBACKS),
                options.contains(BevOption.UNLOCK_CALLBACKS) ? lock : null);
        ChunkPool pool = new ChunkPool();
        this.input = new EvBuffer(pool);
        this.output = new EvBuffer(pool);
        BufferHook hook = new BufferHook();
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
        return socket(base, channel, base.instrumentation(), options);
    }

    static BufferEvent socket(EventBase base, SocketChannel channel, Instrumentation instrumentation, BevOption... options)
            throws IOException {
        EnumSet<BevOption> set = checkNew(base, options, "socket");
        if (channel != null && channel.isBlocking()) {
            channel.configureBlocking(false);
        }
        BufferEvent bev = new BufferEvent(base, set, instrumentation, b -> new SocketBackend(b, channel));
        if (channel != null && channel.isConnected()) {
            bev.state = CONNECTED;
            ((SocketBackend) bev.backend).markConnected();
        }
        bev.born();
        if (channel != null) {
            bev.update();
        }
        return bev;
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
        Objects.requireNonNull(underlying, "underlying");
        EnumSet<BevOption> set = checkNew(underlying.base, options, "filter");
        underlying.checkNotFreed();
        BufferEvent bev = new BufferEvent(underlying.base, set, underlying.base.instrumentation(), underlying.lock,
                b -> new FilterBackend(b, underlying, input, output));
        bev.born();
        ((FilterBackend) bev.backend).attach();
        return bev;
    }

    private static EnumSet<BevOption> checkNew(EventBase base, BevOption[] options, String method) {
        Objects.requireNonNull(base, "base");
        EnumSet<BevOption> set = BevChecks.options(options);
        if (base.isClosed()) {
            throw new IllegalStateException("the EventBase is closed");
        }
        if (!set.contains(BevOption.THREADSAFE) && !base.onLoopOrIdle()) {
            throw foreignThread(method);
        }
        return set;
    }

    private void born() {
        base.addLive(this);
        instrumentation.created(this);
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
        checkThread("setCallbacks");
        callbacks.set(read, write, event);
    }

    /** {@code bufferevent_enable()}: enables {@link Ev#READ} and/or {@link Ev#WRITE}. */
    public void enable(int what) {
        Ev.checkDirections("what", what);
        checkThread("enable");
        ENABLED.getAndBitwiseOr(this, what);
        timeouts.resetSoon(); // as libevent re-adding the events: the enabled direction's timeout starts anew
        syncSoon();
    }

    /** {@code bufferevent_disable()}: disables {@link Ev#READ} and/or {@link Ev#WRITE}. */
    public void disable(int what) {
        Ev.checkDirections("what", what);
        checkThread("disable");
        ENABLED.getAndBitwiseAnd(this, ~what);
        syncSoon();
    }

    /** {@code bufferevent_get_enabled()}: the enabled directions. Any thread. */
    public int enabled() {
        return enabled;
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
        onLoopLocked("setWatermark", () -> {
            if ((events & Ev.READ) != 0) {
                readLow = low;
                readHigh = high;
                readSuspended = high > 0 && input.length() >= high
                        ? readSuspended | BevSuspend.WATERMARK : readSuspended & ~BevSuspend.WATERMARK;
            }
            if ((events & Ev.WRITE) != 0) {
                writeLow = low;
                writeHigh = high;
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
        onLoopLocked("setTimeouts", () -> {
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
        onLoopLocked("setConnectTimeout", () -> {
            timeouts.setConnect(c);
            update();
        });
    }

    /**
     * {@code bufferevent_set_max_single_read()}: the most bytes one read takes from the socket;
     * 0 or -1 restores the default (16384).
     */
    public void setMaxSingleRead(int size) {
        int value = BevChecks.singleSize("size", size, DEFAULT_MAX_SINGLE_READ);
        checkThread("setMaxSingleRead");
        maxSingleRead = value;
    }

    /**
     * {@code bufferevent_set_max_single_write()}: the most bytes one write hands to the socket;
     * 0 or -1 restores the default (65536; libevent's is 16384).
     */
    public void setMaxSingleWrite(int size) {
        int value = BevChecks.singleSize("size", size, DEFAULT_MAX_SINGLE_WRITE);
        checkThread("setMaxSingleWrite");
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
        Objects.requireNonNull(data, "data");
        Objects.checkFromIndexSize(off, len, data.length);
        if (foreign("write")) {
            handOverWrite(handoff.offer(Arrays.copyOfRange(data, off, off + len)));
            return;
        }
        lock();
        try {
            checkWritable();
            output.add(data, off, len);
        } finally {
            unlock();
        }
    }

    /** {@code bufferevent_write()} of the remaining bytes of {@code src} (its position advances). */
    public void write(ByteBuffer src) {
        Objects.requireNonNull(src, "src");
        if (foreign("write")) {
            byte[] copy = new byte[src.remaining()];
            src.duplicate().get(copy);
            handOverWrite(handoff.offer(copy));
            src.position(src.limit());
            return;
        }
        lock();
        try {
            checkWritable();
            output.add(src);
        } finally {
            unlock();
        }
    }

    /** {@code bufferevent_write_buffer()}: moves all of {@code src} to the output. */
    public void writeBuffer(EvBuffer src) {
        Objects.requireNonNull(src, "src");
        if (foreign("writeBuffer")) {
            EvBuffer moved = new EvBuffer();
            moved.addBuffer(src);
            boolean accepted = handoff.offer(moved);
            if (!accepted) {
                src.addBuffer(moved); // refused: the caller keeps its bytes
            }
            handOverWrite(accepted);
            return;
        }
        lock();
        try {
            checkWritable();
            output.addBuffer(src);
        } finally {
            unlock();
        }
    }

    /** {@code bufferevent_read()}: removes up to {@code dst.length} bytes of input; returns the count. */
    public int read(byte[] dst) {
        Objects.requireNonNull(dst, "dst");
        checkThread("read");
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
        checkThread("readBuffer");
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
        if (foreign("flush")) {
            checkNotFreed();
            if ((iotype & Ev.WRITE) == 0) {
                return 0;
            }
            int result = bufferedOutput() > 0 ? 1 : 0;
            if (mode == BevFlush.FINISHED) {
                closeWrites();
                finishRequested = true;
            }
            handOverWrite(true);
            if (mode == BevFlush.FLUSH) {
                onLoopLocked("flush", () -> backend.flushWrite(BevFlush.FLUSH)); // a filter's FLUSH (deflate's sync flush)
            }
            return result;
        }
        lock();
        try {
            checkNotFreed();
            if ((iotype & Ev.WRITE) == 0) {
                return 0;
            }
            drainHandoff();
            int result = output.length() > 0 ? 1 : 0;
            if (mode == BevFlush.FINISHED) {
                closeWrites();
                startFinishing();
            }
            backend.flushWrite(mode);
            return result;
        } finally {
            unlock();
        }
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
        onLoopLocked("trigger", () -> {
            int data = 0;
            if ((iotype & Ev.READ) != 0 && (ignore || input.length() >= readLow)) {
                data |= BevCallbacks.READ;
            }
            if ((iotype & Ev.WRITE) != 0 && (ignore || output.length() <= writeLow)) {
                data |= BevCallbacks.WRITE;
            }
            callbacks.fire(data, 0, defer);
        });
    }

    /** {@code bufferevent_trigger_event()}: runs the event callback with {@code what}. */
    public void triggerEvent(int what, int options) {
        boolean defer = (options & BevTrigger.DEFER_CALLBACKS) != 0 || !base.onLoopOrIdle();
        onLoopLocked("triggerEvent", () -> callbacks.fire(0, what, defer));
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
        if (foreign("free")) {
            // No wait for the lock: a callback of this bufferevent may be running right now and
            // finishes; none starts after this (each checks the state first).
            markFreed();
            closeWrites();
            try {
                base.execute(this::release);
            } catch (RejectedExecutionException closed) {
                // the base is closing and releases every bufferevent itself
            }
            return;
        }
        lock();
        try {
            markFreed();
            closeWrites();
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
        return state >= FREED;
    }

    private void markFreed() {
        int s;
        do {
            s = state;
            if (s >= FREED) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, FREED));
    }

    private void release() {
        lock();
        try {
            if (state == RELEASED) {
                return;
            }
            state = RELEASED;
            closeWrites();
            if (handoff != null) {
                handoff.discard();
            }
            timeouts.cancelAll();
            backend.destruct();
            base.removeLive(this);
            publishedInput = 0;
            publishedOutput = 0;
        } finally {
            unlock();
        }
        instrumentation.freed(this);
    }

    void onBaseClosed() {
        state = RELEASED;
        closeWrites();
        if (handoff != null) {
            handoff.discard();
        }
        backend.baseClosed();
        publishedInput = 0;
        publishedOutput = 0;
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

    /** {@code bufferevent_get_base()}. Any thread. */
    public EventBase base() {
        return base;
    }

    /** The cause of the last {@link BevEvent#ERROR}, like {@code EVUTIL_SOCKET_ERROR()}; null if none. Any thread. */
    public Throwable socketError() {
        return socketError;
    }

    /** {@code bufferevent_socket_get_dns_error()}: why the last host name failed to resolve, or null. Any thread. */
    public Throwable dnsError() {
        return backend.dnsError();
    }

    /** Bytes in the input buffer (a snapshot). Any thread. */
    public long bufferedInput() {
        return publishedInput;
    }

    /** Bytes in the output buffer, with those other threads wrote and the loop has not taken yet (a snapshot). Any thread. */
    public long bufferedOutput() {
        return handoff == null ? publishedOutput : publishedOutput + handoff.bytes();
    }

    /** Bytes read from the socket so far. Any thread. */
    public long totalRead() {
        return totalRead;
    }

    /** Bytes written to the socket so far. Any thread. */
    public long totalWritten() {
        return totalWritten;
    }

    /** Whether the connection is established (and not freed). Any thread. */
    public boolean isConnected() {
        return state == CONNECTED;
    }

    /** The peer address (or the one being connected to), or null. Any thread. */
    public SocketAddress remoteAddress() {
        return backend.remoteAddress();
    }

    /** When the connection was established, or null. Any thread. */
    public Instant connectedSince() {
        return connectedSince;
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
                + ", state=" + STATE_NAMES[state] + "]";
    }

    // ------------------------------------------------------------------ for backends (loop thread, lock held)

    int state() {
        return state;
    }

    /** Moves the state from {@code from} to {@code to}; false if it was not {@code from} (freed meanwhile). Any thread. */
    boolean moveState(int from, int to) {
        return STATE.compareAndSet(this, from, to);
    }

    boolean isReleased() {
        return state == RELEASED;
    }

    boolean closeOnFree() {
        return closeOnFree;
    }

    SafeInstrumentation instrumentation() {
        return instrumentation;
    }

    BevCallbacks callbacks() {
        return callbacks;
    }

    BevTimeouts timeouts() {
        return timeouts;
    }

    void setSocketError(Throwable cause) {
        socketError = cause;
    }

    void markConnected() {
        connectedSince = Instant.now();
    }

    /** Reading is enabled and not suspended. */
    boolean readActive() {
        return (enabled & Ev.READ) != 0 && readSuspended == 0;
    }

    /** Writing is enabled and not suspended. */
    boolean writeActive() {
        return (enabled & Ev.WRITE) != 0 && writeSuspended == 0;
    }

    void suspendRead(int reason) {
        readSuspended |= reason;
        update();
    }

    void unsuspendRead(int reason) {
        readSuspended &= ~reason;
        update();
    }

    void suspendWrite(int reason) {
        writeSuspended |= reason;
        update();
    }

    void unsuspendWrite(int reason) {
        writeSuspended &= ~reason;
        update();
    }

    /** The read high watermark (0: none), for a filter's input side. */
    long readHighWatermark() {
        return readHigh;
    }

    /** The write high watermark (0: none), for a filter above this bufferevent. */
    long writeHighWatermark() {
        return writeHigh;
    }

    /** How many bytes the backend may read now: the max single read within the read high watermark; 0 suspends reading. */
    long readAllowance() {
        long room = maxSingleRead;
        if (readHigh > 0) {
            room = Math.min(room, readHigh - input.length());
            if (room <= 0) {
                suspendRead(BevSuspend.WATERMARK);
                return 0;
            }
        }
        return room;
    }

    /** The backend added {@code n} bytes to the input. */
    void readDone(int n) {
        totalRead += n;
        instrumentation.bytesRead(this, n);
        timeouts.readProgress();
        if (input.length() >= readLow) {
            callbacks.read();
        }
    }

    /** The backend moved {@code n} bytes of the output on (0: none). */
    void wrote(long n) {
        if (n > 0) {
            totalWritten += n;
            instrumentation.bytesWritten(this, n);
            timeouts.writeProgress();
        }
    }

    /** The backend moved output on: the write callback runs if the output is at the write low watermark. */
    void writeDone() {
        if (output.length() <= writeLow) {
            callbacks.write();
        }
    }

    /** The peer ended its side: {@code EOF|READING}, reading disabled. */
    void eof() {
        ENABLED.getAndBitwiseAnd(this, ~Ev.READ);
        refresh();
        instrumentation.eof(this);
        callbacks.event(BevEvent.EOF | BevEvent.READING);
    }

    /** I/O failed: the direction is disabled, then {@code ERROR|READING} or {@code ERROR|WRITING}. */
    void ioFailed(int direction, IOException e) {
        socketError = e;
        finishing = false;
        boolean reading = direction == BevEvent.READING;
        ENABLED.getAndBitwiseAnd(this, ~(reading ? Ev.READ : Ev.WRITE));
        refresh();
        instrumentation.error(this, reading ? Instrumentation.ErrorKind.READ : Instrumentation.ErrorKind.WRITE, e);
        callbacks.event(BevEvent.ERROR | direction);
    }

    /** A timer fired (any loop code, lock not held): the direction is disabled, then {@code TIMEOUT|...}. */
    void timedOut(int direction) {
        lock();
        try {
            if (isReleased()) {
                return;
            }
            if (direction == BevEvent.READING) {
                ENABLED.getAndBitwiseAnd(this, ~Ev.READ);
            } else {
                ENABLED.getAndBitwiseAnd(this, ~Ev.WRITE);
                finishing = false;
                if (state == CONNECTING) {
                    backend.connectTimedOut();
                }
            }
            refresh();
            instrumentation.timeout(this, direction);
            callbacks.event(BevEvent.TIMEOUT | direction);
        } finally {
            unlock();
        }
    }

    void adjustTimers() {
        int s = state;
        timeouts.adjust(s == CONNECTED && readActive(), s == CONNECTING,
                s == CONNECTED && (enabled & Ev.WRITE) != 0 && output.length() > 0 && !writeShut);
    }

    boolean isFinishing() {
        return finishing;
    }

    boolean isWriteShut() {
        return writeShut;
    }

    /** The FINISHED flush drained everything: the write side is shut. */
    void finished() {
        finishing = false;
        writeShut = true;
    }

    /** No writer is between the hand-off's gate and its queue (a FINISHED flush may end). */
    boolean handoffSettled() {
        return handoff == null || handoff.settled();
    }

    /** Makes the backend's I/O and the timers match the state. */
    void refresh() {
        if (isReleased()) {
            return;
        }
        backend.sync();
        backend.adjustTimeouts();
    }

    /** Lock held: write at the end of this loop turn (or have the loop do so). */
    void requestFlush() {
        if (!base.onLoopOrIdle()) {
            update();
            return;
        }
        if (!flushQueued && !isReleased()) {
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

    // ------------------------------------------------------------------ the write side

    /** Loop thread (or idle), lock held: writes go straight to the output, after what other threads handed over. */
    private void checkWritable() {
        if (isFreed() || writeClosed || writeShut) {
            throw closedForWrites();
        }
        drainHandoff();
    }

    private IllegalStateException closedForWrites() {
        if (isFreed()) {
            return new IllegalStateException("this bufferevent has been freed");
        }
        return new IllegalStateException("the write side was shut down by flush(Ev.WRITE, BevFlush.FINISHED) or a graceful "
                + "shutdown; nothing more can be written");
    }

    /** Another thread's write was offered to the hand-off: refused (throw), or get the loop to take it. */
    private void handOverWrite(boolean accepted) {
        if (!accepted) {
            throw closedForWrites();
        }
        if (!queueSync()) {
            throw new IllegalStateException("the EventBase is closed; nothing more is sent");
        }
    }

    /** Loop thread, lock held: moves what other threads wrote to the output, in order. */
    void drainHandoff() {
        if (handoff != null && !handoff.isEmpty()) {
            if (isReleased()) {
                handoff.discard();
            } else {
                handoff.drainTo(output);
            }
        }
    }

    /** Any thread: refuse writes from now on. */
    private void closeWrites() {
        writeClosed = true;
        if (handoff != null) {
            handoff.close();
        }
    }

    /** Loop thread, lock held: drain the output, then shut the write side down. */
    private void startFinishing() {
        if (!writeShut) {
            finishing = true;
            ENABLED.getAndBitwiseOr(this, Ev.WRITE);
        }
    }

    // ------------------------------------------------------------------ graceful shutdown

    /** Loop thread: a graceful shutdown began; drain the output and shut the write side down. */
    void startShutdownFlush() {
        lock();
        try {
            if (isReleased() || writeShut) {
                return;
            }
            drainHandoff();
            if (finishRequested) {
                finishRequested = false;
                finishing = true;
            }
            if (output.length() > 0 || finishing || backend.finishesOnShutdown()) {
                finishing = true;
                closeWrites();
                if (state == CONNECTED) {
                    ENABLED.getAndBitwiseOr(this, Ev.WRITE);
                }
                refresh();
            }
        } finally {
            unlock();
        }
    }

    /** Whether a FINISHED flush still waits for output to drain. */
    boolean shutdownFlushPending() {
        int s = state;
        return (finishing || finishRequested) && (s == CONNECTED || s == CONNECTING);
    }

    // ------------------------------------------------------------------ threads

    /** Watches the two buffers: publishes their lengths, schedules writes, suspends and resumes reading. */
    private final class BufferHook implements EvBuffer.ChangeHook {
        @Override
        public void onChange(EvBuffer buffer, long originalSize, long added, long deleted) {
            if (buffer == output) {
                publishedOutput = output.length();
                if (added > 0 && !isReleased()) {
                    backend.outputAdded();
                }
                return;
            }
            long len = input.length();
            publishedInput = len;
            boolean over = readHigh > 0 && len >= readHigh;
            if (added > 0 && over && (readSuspended & BevSuspend.WATERMARK) == 0) {
                suspendRead(BevSuspend.WATERMARK);
            } else if (deleted > 0 && !over && (readSuspended & BevSuspend.WATERMARK) != 0) {
                unsuspendRead(BevSuspend.WATERMARK);
            }
        }
    }

    /** Throws if the caller is a foreign thread and this bufferevent is not THREADSAFE. */
    private void checkThread(String method) {
        if (!threadSafe && !base.onLoopOrIdle()) {
            throw foreignThread(method);
        }
    }

    /**
     * Whether the caller is a foreign thread that must hand its call over to the loop instead of
     * taking the lock; throws if it may not call at all (not THREADSAFE).
     */
    boolean foreign(String method) {
        if (base.onLoopOrIdle()) {
            return false;
        }
        if (!threadSafe) {
            throw foreignThread(method);
        }
        return true;
    }

    /** Runs {@code action} under the lock now on the loop thread (or idle), else hands it to the loop. */
    private void onLoopLocked(String method, Runnable action) {
        if (foreign(method)) {
            handOverOrFail(() -> {
                lock();
                try {
                    if (!isFreed()) {
                        action.run();
                    }
                } finally {
                    unlock();
                }
            });
            return;
        }
        lock();
        try {
            if (!isFreed()) {
                action.run();
            }
        } finally {
            unlock();
        }
    }

    void handOverOrFail(Runnable action) {
        try {
            base.execute(action);
        } catch (RejectedExecutionException closed) {
            throw new IllegalStateException("the EventBase is closed", closed);
        }
    }

    /** Any thread, no lock needed: get the loop to match interest and timers to the state soon. */
    private void syncSoon() {
        if (base.onLoopOrIdle()) {
            lock();
            try {
                refresh();
            } finally {
                unlock();
            }
        } else {
            queueSync();
        }
    }

    /** Any thread, lock held: {@link #refresh()} now on the loop, or soon from another thread. */
    private void update() {
        if (base.onLoopOrIdle()) {
            refresh();
        } else {
            queueSync();
        }
    }

    /**
     * Any thread, no lock needed: has the loop run {@link #sync()} soon (once for a burst of
     * calls). Returns false if the base is closed and will run nothing more.
     */
    private boolean queueSync() {
        if (syncQueued.compareAndSet(false, true)) {
            try {
                base.execute(syncTask);
            } catch (RejectedExecutionException closed) {
                syncQueued.set(false);
                return false;
            }
        }
        return true;
    }

    private void sync() {
        syncQueued.set(false);
        lock();
        try {
            drainHandoff();
            if (finishRequested) {
                finishRequested = false;
                startFinishing();
            }
            refresh();
        } finally {
            unlock();
        }
    }

    private static IllegalStateException foreignThread(String method) {
        return new IllegalStateException(method + "() called from thread '" + Thread.currentThread().getName()
                + "' while the loop runs on another thread; create the bufferevent with BevOption.THREADSAFE "
                + "or hand the call over with EventBase.execute()");
    }

    void checkNotFreed() {
        if (isFreed()) {
            throw new IllegalStateException("this bufferevent has been freed");
        }
    }
}
