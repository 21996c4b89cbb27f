package io.github.bufferevent;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.time.Duration;
import java.time.Instant;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * libevent's socket {@code bufferevent}: a channel with an input and an output {@link EvBuffer},
 * read, write and event callbacks, watermarks and timeouts, driven by an {@link EventBase}.
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
     * 64 KiB, where libevent uses 16 KiB: through NIO each write(2) costs more than in C, and
     * streaming to loopback measured 0.63x Netty's throughput with 16 KiB writes, 0.85x with
     * 64 KiB (benchmarks/RESULTS.md). {@code setMaxSingleWrite(16384)} restores libevent's.
     */
    static final int DEFAULT_MAX_SINGLE_WRITE = 64 * 1024;
    /** Writes per loop turn while the socket keeps taking whole writes (as Netty's writeSpinCount). */
    static final int WRITE_SPIN = 16;
    /**
     * Most bytes one bufferevent writes in one loop turn, however often its write callback
     * refills the output: beyond it the rest waits for the next turn, so one busy writer cannot
     * keep the loop from other channels, timers and events (it held turns of 30-40 ms with the
     * whole output of a refilling writer; see benchmarks/fairness.sh).
     */
    static final long WRITE_BUDGET_PER_TURN = 1024 * 1024;

    private static final int NEW = 0;
    private static final int CONNECTING = 1;
    private static final int CONNECTED = 2;

    private final EventBase base;
    private final boolean threadSafe;
    private final boolean closeOnFree;
    private final boolean deferCallbacks;
    private final boolean unlockCallbacks;
    private final ReentrantLock lock;
    private final EvBuffer input;
    private final EvBuffer output;
    private final BufferHook hook = new BufferHook();
    Instrumentation instrumentation;

    private volatile SocketChannel channel;
    private boolean ownsChannel;
    private SelectionKey key;
    private int interestOps;
    private volatile int state;
    private boolean resolving;
    private ArrayDeque<InetSocketAddress> nextAddresses;
    private long connectStartNanos;
    /** Bumped by every connect start, connect timeout and free: a late DNS answer for an older one is ignored. */
    private int connectSeq;

    private volatile ReadCallback readCb;
    private volatile WriteCallback writeCb;
    private volatile EventCallback eventCb;

    private volatile int enabled = Ev.WRITE;
    private boolean readSuspended;
    private boolean writeBlocked;
    private boolean writeShut;
    private boolean finishing;
    private boolean flushQueued;
    /** The loop turn {@link #writtenThisTurn} counts for. */
    private long budgetTurn = -1;
    private long writtenThisTurn;

    private long readLow;
    private long readHigh;
    private long writeLow;
    private volatile int maxSingleRead = DEFAULT_MAX_SINGLE_READ;
    private volatile int maxSingleWrite = DEFAULT_MAX_SINGLE_WRITE;

    private long readTimeoutNanos;
    private long writeTimeoutNanos;
    private long connectTimeoutNanos;
    private final TimerHeap.Timer readTimer = new TimerHeap.Timer(this::onReadTimeout);
    private final TimerHeap.Timer writeTimer = new TimerHeap.Timer(this::onWriteTimeout);
    private volatile boolean resetTimers;

    private boolean deferQueued;
    private boolean deferredRead;
    private boolean deferredWrite;
    private int deferredEvents;

    private volatile boolean freed;
    private boolean released;
    private volatile Throwable socketError;
    private volatile Throwable dnsError;
    private volatile long publishedInput;
    private volatile long publishedOutput;
    private volatile long totalRead;
    private volatile long totalWritten;
    private volatile SocketAddress remoteAddress;
    private volatile Instant connectedSince;
    private volatile boolean connected;

    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final Runnable syncTask = this::sync;
    /** Writes from other threads on their way to the output; null without THREADSAFE. */
    private final WriteHandoff handoff;
    /** No more writes: a FINISHED flush was asked for, or the bufferevent was freed. */
    private volatile boolean writeClosed;
    /** A FINISHED flush asked for by another thread, for the loop to start. */
    private volatile boolean finishRequested;

    private static final VarHandle ENABLED;
    private static final VarHandle STATE;
    private static final VarHandle RESET_TIMERS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ENABLED = l.findVarHandle(BufferEvent.class, "enabled", int.class);
            STATE = l.findVarHandle(BufferEvent.class, "state", int.class);
            RESET_TIMERS = l.findVarHandle(BufferEvent.class, "resetTimers", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private BufferEvent(EventBase base, SocketChannel channel, EnumSet<BevOption> options, Instrumentation instrumentation) {
        this.base = base;
        this.threadSafe = options.contains(BevOption.THREADSAFE);
        this.closeOnFree = options.contains(BevOption.CLOSE_ON_FREE);
        this.deferCallbacks = options.contains(BevOption.DEFER_CALLBACKS);
        this.unlockCallbacks = options.contains(BevOption.UNLOCK_CALLBACKS);
        this.lock = threadSafe ? new ReentrantLock() : null;
        this.handoff = threadSafe ? new WriteHandoff() : null;
        ChunkPool pool = new ChunkPool();
        this.input = new EvBuffer(pool);
        this.output = new EvBuffer(pool);
        this.input.hook(hook);
        this.output.hook(hook);
        this.instrumentation = instrumentation;
        this.channel = channel;
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
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(options, "options");
        EnumSet<BevOption> set = EnumSet.noneOf(BevOption.class);
        for (BevOption o : options) {
            set.add(Objects.requireNonNull(o, "options must not contain null"));
        }
        if (base.isClosed()) {
            throw new IllegalStateException("the EventBase is closed");
        }
        if (!set.contains(BevOption.THREADSAFE) && !base.onLoopOrIdle()) {
            throw foreignThread("socket");
        }
        if (channel != null && channel.isBlocking()) {
            channel.configureBlocking(false);
        }
        BufferEvent bev = new BufferEvent(base, channel, set, instrumentation);
        if (channel != null && channel.isConnected()) {
            bev.state = CONNECTED;
            bev.markConnected();
        }
        base.addLive(bev);
        bev.report(Report.CREATED, 0, null);
        if (channel != null) {
            bev.requestSync();
        }
        return bev;
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
     * @throws IllegalStateException if freed, already connecting or connected
     * @throws IOException if no channel can be opened
     */
    public void connect(SocketAddress address) throws IOException {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            checkPort(inet.getPort());
            if (inet.isUnresolved()) {
                throw new IllegalArgumentException("address " + inet + " is unresolved; use connectHostname(host, port)");
            }
        }
        if (foreign("connect")) {
            claimConnect(address);
            handOverOrFail(() -> {
                lock();
                try {
                    startAttemptReporting(address);
                } finally {
                    unlock();
                }
            });
            return;
        }
        lock();
        try {
            claimConnect(address);
            beginConnect();
            try {
                startAttempt(address);
            } catch (IOException | RuntimeException e) {
                state = NEW;
                if (ownsChannel) {
                    dropChannel();
                }
                refresh();
                report(Report.CONNECT_FAILED_ERROR, elapsedConnect(), e);
                throw e;
            }
        } finally {
            unlock();
        }
    }

    /**
     * {@code bufferevent_socket_connect_hostname()}: resolves {@code host} off the loop thread
     * (with the base's {@link HostResolver}), then connects to each resolved address in turn until
     * one succeeds. A resolution failure arrives as {@link BevEvent#ERROR} with
     * {@link #dnsError()} set.
     *
     * @throws IllegalArgumentException if the port is outside 1..65535 or the host is blank
     * @throws IllegalStateException if freed, already connecting or connected
     */
    public void connectHostname(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        checkPort(port);
        if (foreign("connectHostname")) {
            claimConnect(InetSocketAddress.createUnresolved(host, port));
            handOverOrFail(() -> startResolving(host, port));
            return;
        }
        lock();
        try {
            claimConnect(InetSocketAddress.createUnresolved(host, port));
            resolving = true;
            startResolving(host, port);
        } finally {
            unlock();
        }
    }

    /**
     * Checks that a connect may start and moves NEW to CONNECTING, atomically, so that of two
     * threads connecting at once one fails. Any thread; no lock needed.
     */
    private void claimConnect(SocketAddress address) {
        checkNotFreed();
        if (state != NEW) {
            throw alreadyConnecting();
        }
        SocketChannel channel = this.channel;
        if (address == null && (channel == null || !channel.isConnectionPending())) {
            throw new IllegalArgumentException("address is null, but the channel is not connecting");
        }
        if (address != null && channel == null && !(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("address must be an InetSocketAddress when the bufferevent opens its own channel, was "
                    + address.getClass().getName());
        }
        if (address != null && channel != null && channel.isConnectionPending()) {
            throw new IllegalStateException("the channel is already connecting; call connect(null) to wait for it");
        }
        if (!STATE.compareAndSet(this, NEW, CONNECTING)) {
            throw alreadyConnecting();
        }
    }

    private IllegalStateException alreadyConnecting() {
        return state == CONNECTED ? new IllegalStateException("already connected to " + remoteAddress)
                : new IllegalStateException("a connect is already in progress");
    }

    private void beginConnect() {
        connectSeq++;
        state = CONNECTING;
        socketError = null;
        dnsError = null;
        connectStartNanos = base.now();
        report(Report.CONNECT_STARTED, 0, null);
        resetTimers = true;
    }

    private void startAttemptReporting(SocketAddress address) {
        if (freed) {
            return;
        }
        beginConnect();
        try {
            startAttempt(address);
        } catch (IOException e) {
            connectFailed(e);
        } catch (RuntimeException e) {
            connectFailed(new IOException("connect to " + address + " failed: " + e, e));
        }
    }

    /** Loop thread (or idle), lock held. Opens the channel if needed and starts the connect. */
    private void startAttempt(SocketAddress address) throws IOException {
        if (channel == null) {
            SocketChannel ch = SocketChannel.open();
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                closeQuietly(ch);
                state = NEW;
                throw e;
            }
            channel = ch;
            ownsChannel = true;
        }
        boolean done = false;
        IOException immediate = null;
        if (address != null) {
            try {
                done = channel.connect(address);
            } catch (IOException e) {
                immediate = e;
            } catch (UnsupportedAddressTypeException | UnresolvedAddressException e) {
                immediate = new IOException("cannot connect to " + address + ": " + e, e);
            }
        }
        remoteAddress = address;
        refresh();
        if (immediate != null) {
            IOException cause = immediate;
            base.execute(() -> {
                lock();
                try {
                    if (!freed && state == CONNECTING) {
                        connectFailed(cause);
                    }
                } finally {
                    unlock();
                }
            });
        } else if (done) {
            base.execute(() -> {
                lock();
                try {
                    if (!freed && state == CONNECTING) {
                        connectSucceeded();
                    }
                } finally {
                    unlock();
                }
            });
        }
    }

    private void startResolving(String host, int port) {
        lock();
        try {
            if (freed || state != CONNECTING) {
                return;
            }
            beginConnect();
            resolving = true;
            refresh();
            int seq = connectSeq;
            CompletableFuture<List<InetAddress>> future;
            try {
                future = Objects.requireNonNull(base.resolver().resolve(host), "resolver returned null");
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            base.retain();
            future.whenComplete((addresses, error) -> {
                try {
                    base.execute(() -> onResolved(seq, host, port, addresses, error));
                } catch (RejectedExecutionException closed) {
                    // the base closed meanwhile; nothing left to report to
                }
            });
        } finally {
            unlock();
        }
    }

    private void onResolved(int seq, String host, int port, List<InetAddress> addresses, Throwable error) {
        base.release();
        lock();
        try {
            if (freed || state != CONNECTING || !resolving || seq != connectSeq) {
                return; // freed, timed out, or answering an older connectHostname
            }
            resolving = false;
            if (error == null && (addresses == null || addresses.isEmpty())) {
                error = new java.net.UnknownHostException(host + ": no addresses");
            }
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                dnsError = cause;
                socketError = cause;
                state = NEW;
                refresh();
                report(Report.CONNECT_FAILED_UNRESOLVED, elapsedConnect(), cause);
                report(Report.ERROR_DNS, 0, cause);
                fireEvent(BevEvent.ERROR);
                return;
            }
            nextAddresses = new ArrayDeque<>(addresses.size());
            for (InetAddress a : addresses) {
                nextAddresses.add(new InetSocketAddress(a, port));
            }
            tryNextAddress(null);
        } finally {
            unlock();
        }
    }

    /** Tries the next resolved address; reports {@code lastFailure} when none is left. */
    private void tryNextAddress(IOException lastFailure) {
        while (nextAddresses != null && !nextAddresses.isEmpty()) {
            InetSocketAddress next = nextAddresses.poll();
            try {
                startAttempt(next);
                return;
            } catch (IOException e) {
                lastFailure = e;
                dropChannel();
            }
        }
        nextAddresses = null;
        if (lastFailure != null) {
            finishConnectFailure(lastFailure);
        }
    }

    private void onConnectReady() {
        try {
            if (channel.finishConnect()) {
                connectSucceeded();
            }
        } catch (IOException e) {
            connectFailed(e);
        }
    }

    private void connectSucceeded() {
        state = CONNECTED;
        nextAddresses = null;
        base.cancel(writeTimer);
        markConnected();
        refresh();
        report(Report.CONNECT_SUCCEEDED, elapsedConnect(), null);
        fireEvent(BevEvent.CONNECTED);
    }

    private void markConnected() {
        try {
            remoteAddress = channel.getRemoteAddress();
        } catch (IOException e) {
            // keep the address we connected to
        }
        connectedSince = Instant.now();
        connected = true;
    }

    private void connectFailed(IOException cause) {
        if (nextAddresses != null && !nextAddresses.isEmpty()) {
            dropChannel();
            tryNextAddress(cause);
            return;
        }
        nextAddresses = null;
        finishConnectFailure(cause);
    }

    private void finishConnectFailure(IOException cause) {
        socketError = cause;
        state = NEW;
        if (ownsChannel) {
            dropChannel();
        }
        refresh(); // no longer connecting: the connect timeout must not fire
        Report outcome = cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")
                ? Report.CONNECT_FAILED_REFUSED : Report.CONNECT_FAILED_ERROR;
        report(outcome, elapsedConnect(), cause);
        report(Report.ERROR_CONNECT, 0, cause);
        fireEvent(BevEvent.ERROR);
    }

    /** Deregisters and closes a channel this bufferevent opened, so the next attempt opens a fresh one. */
    private void dropChannel() {
        if (key != null) {
            base.deregister(key, interestOps);
            key = null;
            interestOps = 0;
        }
        if (ownsChannel && channel != null) {
            closeQuietly(channel);
            channel = null;
            ownsChannel = false;
        }
    }

    private long elapsedConnect() {
        return Math.max(0, base.now() - connectStartNanos);
    }

    // ------------------------------------------------------------------ callbacks and settings

    /** {@code bufferevent_setcb()}: replaces the three callbacks; null removes one. */
    public void setCallbacks(ReadCallback read, WriteCallback write, EventCallback event) {
        checkThread("setCallbacks");
        readCb = read;
        writeCb = write;
        eventCb = event;
    }

    /** {@code bufferevent_enable()}: enables {@link Ev#READ} and/or {@link Ev#WRITE}. */
    public void enable(int what) {
        Ev.checkDirections("what", what);
        checkThread("enable");
        ENABLED.getAndBitwiseOr(this, what);
        resetTimers = true; // as libevent re-adding the events: the enabled direction's timeout starts anew
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
     * callback runs once output drains to this much or less.
     *
     * @throws IllegalArgumentException if a mark is negative, or for READ low exceeds a non-zero high
     */
    public void setWatermark(int events, long low, long high) {
        Ev.checkDirections("events", events);
        if (low < 0) {
            throw new IllegalArgumentException("low watermark must be >= 0, was " + low);
        }
        if (high < 0) {
            throw new IllegalArgumentException("high watermark must be >= 0 (0 = unlimited), was " + high);
        }
        if ((events & Ev.READ) != 0 && high > 0 && low > high) {
            throw new IllegalArgumentException("read low watermark " + low + " must not exceed the read high watermark " + high);
        }
        onLoopLocked("setWatermark", () -> {
            if ((events & Ev.READ) != 0) {
                readLow = low;
                readHigh = high;
                readSuspended = high > 0 && input.length() >= high;
            }
            if ((events & Ev.WRITE) != 0) {
                writeLow = low;
            }
            requestSync();
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
            readTimeoutNanos = r;
            writeTimeoutNanos = w;
            resetTimers = true;
            requestSync();
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
            connectTimeoutNanos = c;
            requestSync();
        });
    }

    /**
     * {@code bufferevent_set_max_single_read()}: the most bytes one read takes from the socket;
     * 0 or -1 restores the default (16384).
     */
    public void setMaxSingleRead(int size) {
        int value = checkSingle("size", size, DEFAULT_MAX_SINGLE_READ);
        checkThread("setMaxSingleRead");
        maxSingleRead = value;
    }

    /**
     * {@code bufferevent_set_max_single_write()}: the most bytes one write hands to the socket;
     * 0 or -1 restores the default (65536; libevent's is 16384).
     */
    public void setMaxSingleWrite(int size) {
        int value = checkSingle("size", size, DEFAULT_MAX_SINGLE_WRITE);
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

    private static int checkSingle(String name, int size, int dflt) {
        if (size == 0 || size == -1) {
            return dflt;
        }
        if (size < 0) {
            throw new IllegalArgumentException(name + " must be in 1.." + Integer.MAX_VALUE + " (0 or -1 = default), was " + size);
        }
        return size;
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
        lockChecked("read");
        try {
            return input.remove(dst);
        } finally {
            unlock();
        }
    }

    /** {@code bufferevent_read_buffer()}: moves all the input to {@code dst}; returns the bytes moved. */
    public long readBuffer(EvBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        lockChecked("readBuffer");
        try {
            long n = input.length();
            dst.addBuffer(input);
            return n;
        } finally {
            unlock();
        }
    }

    /** Loop thread (or idle), lock held: writes go straight to the output, after what other threads handed over. */
    private void checkWritable() {
        if (freed || writeClosed || writeShut) {
            throw closedForWrites();
        }
        drainHandoff();
    }

    private IllegalStateException closedForWrites() {
        if (freed) {
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
    private void drainHandoff() {
        if (handoff != null && !handoff.isEmpty()) {
            if (released) {
                handoff.discard();
            } else {
                handoff.drainTo(output);
            }
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
            requestFlush();
            return result;
        } finally {
            unlock();
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

    /**
     * {@code bufferevent_trigger()}: runs the read and/or write callback as if data had arrived or
     * drained, respecting the watermarks unless {@link BevTrigger#IGNORE_WATERMARKS}; deferred with
     * {@link BevTrigger#DEFER_CALLBACKS} or the {@link BevOption#DEFER_CALLBACKS} option.
     */
    public void trigger(int iotype, int options) {
        Ev.checkDirections("iotype", iotype);
        // Callbacks run on the loop thread: a call from another thread is always deferred.
        boolean defer = (options & BevTrigger.DEFER_CALLBACKS) != 0 || !base.onLoopOrIdle();
        onLoopLocked("trigger", () -> {
            if (freed) {
                return;
            }
            boolean ignore = (options & BevTrigger.IGNORE_WATERMARKS) != 0;
            if ((iotype & Ev.READ) != 0 && (ignore || input.length() >= readLow)) {
                if (defer) {
                    deferredRead = true;
                    queueDeferred();
                } else {
                    fireRead();
                }
            }
            if ((iotype & Ev.WRITE) != 0 && (ignore || output.length() <= writeLow)) {
                if (defer) {
                    deferredWrite = true;
                    queueDeferred();
                } else {
                    fireWrite();
                }
            }
        });
    }

    /** {@code bufferevent_trigger_event()}: runs the event callback with {@code what}. */
    public void triggerEvent(int what, int options) {
        boolean defer = (options & BevTrigger.DEFER_CALLBACKS) != 0 || !base.onLoopOrIdle();
        onLoopLocked("triggerEvent", () -> {
            if (freed) {
                return;
            }
            if (defer) {
                deferredEvents |= what;
                queueDeferred();
            } else {
                fireEvent(what);
            }
        });
    }

    // ------------------------------------------------------------------ free

    /**
     * {@code bufferevent_free()}: no callback runs after this returns; pending output is
     * discarded (use {@code flush(Ev.WRITE, BevFlush.FINISHED)} first to keep it); the loop
     * thread closes the channel with {@link BevOption#CLOSE_ON_FREE} (or when the bufferevent
     * opened it itself). Any thread with THREADSAFE, and inside any callback. Idempotent.
     */
    public void free() {
        if (freed) {
            return;
        }
        if (foreign("free")) {
            // No wait for the lock: a callback of this bufferevent may be running right now and
            // finishes; none starts after this (each checks freed first).
            freed = true;
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
            freed = true;
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
        return freed;
    }

    private void release() {
        lock();
        try {
            if (released) {
                return;
            }
            released = true;
            freed = true;
            closeWrites();
            if (handoff != null) {
                handoff.discard();
            }
            connectSeq++;
            base.cancel(readTimer);
            base.cancel(writeTimer);
            if (key != null) {
                base.deregister(key, interestOps);
                key = null;
                interestOps = 0;
            }
            if (channel != null && (closeOnFree || ownsChannel)) {
                closeQuietly(channel);
            }
            connected = false;
            base.removeLive(this);
            publishedInput = 0;
            publishedOutput = 0;
        } finally {
            unlock();
        }
        report(Report.FREED, 0, null);
    }

    void onBaseClosed() {
        freed = true;
        released = true;
        closeWrites();
        if (handoff != null) {
            handoff.discard();
        }
        connected = false;
        if (channel != null && (closeOnFree || ownsChannel)) {
            closeQuietly(channel);
        }
        publishedInput = 0;
        publishedOutput = 0;
        report(Report.FREED, 0, null);
    }

    // ------------------------------------------------------------------ getters

    /** {@code bufferevent_getfd()}: the channel, or null before a connect opened one. Any thread. */
    public SocketChannel channel() {
        return channel;
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
        return dnsError;
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
        return connected && !freed;
    }

    /** The peer address (or the one being connected to), or null. Any thread. */
    public SocketAddress remoteAddress() {
        return remoteAddress;
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
        return "BufferEvent[" + (remoteAddress == null ? "unconnected" : remoteAddress)
                + ", state=" + (state == CONNECTED ? "connected" : state == CONNECTING ? "connecting" : "new")
                + (freed ? ", freed" : "") + "]";
    }

    // ------------------------------------------------------------------ loop-side machinery

    /** Loop thread, lock held. Makes selector interest and timers match the state. */
    private void refresh() {
        if (released) {
            return;
        }
        int en = enabled;
        boolean connecting = state == CONNECTING;
        boolean isConnected = state == CONNECTED;
        int ops = 0;
        if (connecting && !resolving && channel != null && channel.isConnectionPending()) {
            ops = SelectionKey.OP_CONNECT;
        } else if (isConnected) {
            if ((en & Ev.READ) != 0 && !readSuspended) {
                ops |= SelectionKey.OP_READ;
            }
            if ((en & Ev.WRITE) != 0 && writeBlocked && output.length() > 0 && !writeShut) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        if (channel != null && channel.isOpen() && (key == null || !key.isValid()) && (ops != 0 || isConnected)) {
            try {
                key = base.register(channel, ioHandler);
                interestOps = 0;
            } catch (IOException | IllegalStateException e) {
                key = null;
            }
        }
        if (key != null) {
            base.interest(key, interestOps, ops);
            interestOps = ops;
        }
        boolean reset = resetTimers && (boolean) RESET_TIMERS.getAndSet(this, false);
        boolean readActive = isConnected && (en & Ev.READ) != 0 && !readSuspended && readTimeoutNanos > 0;
        arm(readTimer, readActive, readTimeoutNanos, reset);
        long wt = connecting && connectTimeoutNanos > 0 ? connectTimeoutNanos : writeTimeoutNanos;
        boolean writeActive = wt > 0 && (connecting
                || (isConnected && (en & Ev.WRITE) != 0 && output.length() > 0 && !writeShut));
        arm(writeTimer, writeActive, wt, reset);
        if (isConnected && (en & Ev.WRITE) != 0 && !writeBlocked && !writeShut
                && (output.length() > 0 || finishing)) {
            requestFlush();
        }
    }

    private void arm(TimerHeap.Timer timer, boolean active, long nanos, boolean reset) {
        if (!active) {
            base.cancel(timer);
        } else if (reset || !timer.scheduled()) {
            base.schedule(timer, nanos);
        }
    }

    /** Any thread, lock held: get the loop to run {@link #refresh()} soon. */
    private void requestSync() {
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

    /** Lock held: write at the end of this loop turn (or have the loop do so). */
    private void requestFlush() {
        if (!base.onLoopOrIdle()) {
            requestSync();
            return;
        }
        if (!flushQueued && !released) {
            flushQueued = true;
            base.queueFlush(this);
        }
    }

    /** Called by the base at the end of a turn. */
    void flushQueued() {
        lock();
        try {
            flushQueued = false;
            if (!freed && state == CONNECTED && (enabled & Ev.WRITE) != 0) {
                writeNow();
            }
        } finally {
            unlock();
        }
    }

    private final IoHandler ioHandler = new IoHandler() {
        @Override
        public void onReady(int readyOps) {
            lock();
            try {
                if (freed) {
                    return; // freed from another thread: release() is queued; pending output is discarded
                }
                if ((readyOps & SelectionKey.OP_CONNECT) != 0 && state == CONNECTING) {
                    onConnectReady();
                    return;
                }
                if ((readyOps & SelectionKey.OP_READ) != 0) {
                    readNow();
                }
                if ((readyOps & SelectionKey.OP_WRITE) != 0 && !released) {
                    writeBlocked = false;
                    writeNow();
                }
            } finally {
                unlock();
            }
        }

        @Override
        public void onBaseClosed() {
            BufferEvent.this.onBaseClosed();
        }

        @Override
        public String toString() {
            return BufferEvent.this.toString();
        }
    };

    private void readNow() {
        if (state != CONNECTED || (enabled & Ev.READ) == 0) {
            return;
        }
        long room = maxSingleRead;
        if (readHigh > 0) {
            room = Math.min(room, readHigh - input.length());
            if (room <= 0) {
                readSuspended = true;
                refresh();
                return;
            }
        }
        ByteBuffer buf = base.readBuffer;
        buf.clear();
        buf.limit((int) Math.min(room, buf.capacity()));
        int n;
        try {
            n = channel.read(buf);
        } catch (IOException e) {
            failIo(BevEvent.READING, e);
            return;
        }
        if (n < 0) {
            ENABLED.getAndBitwiseAnd(this, ~Ev.READ);
            refresh();
            report(Report.EOF, 0, null);
            fireEvent(BevEvent.EOF | BevEvent.READING);
            return;
        }
        if (n == 0) {
            return;
        }
        buf.flip();
        input.add(buf);
        totalRead += n;
        report(Report.BYTES_READ, n, null);
        if (readTimer.scheduled()) {
            base.schedule(readTimer, readTimeoutNanos);
        }
        if (readHigh > 0 && input.length() >= readHigh) {
            readSuspended = true;
            refresh();
        }
        if (input.length() >= readLow) {
            fireRead();
        }
    }

    private void writeNow() {
        if (state != CONNECTED || writeShut) {
            return;
        }
        drainHandoff();
        long turn = base.turns();
        if (turn != budgetTurn) {
            budgetTurn = turn;
            writtenThisTurn = 0;
        }
        long budget = WRITE_BUDGET_PER_TURN - writtenThisTurn;
        long n = 0;
        try {
            // Each write(2) takes at most maxSingleWrite bytes (libevent's bufferevent_set_max_single_write);
            // while the socket takes whole writes and output remains, write again, up to
            // WRITE_SPIN times a turn (Netty's writeSpinCount), instead of one write per wake-up,
            // and up to this turn's budget (what is left waits for OP_WRITE on the next turn).
            for (int spin = 0; spin < WRITE_SPIN; spin++) {
                long pending = output.length();
                if (pending == 0 || n >= budget) {
                    break;
                }
                long want = Math.min(Math.min(pending, maxSingleWrite), budget - n);
                long w = output.writeTo(channel, want, base.writeVectors);
                if (w > 0) {
                    n += w;
                    totalWritten += w;
                    report(Report.BYTES_WRITTEN, w, null);
                }
                if (w < want) {
                    break; // the socket is full
                }
            }
        } catch (IOException e) {
            failIo(BevEvent.WRITING, e);
            return;
        }
        writtenThisTurn += n;
        if (n > 0 && writeTimer.scheduled()) {
            base.schedule(writeTimer, writeTimeoutNanos);
        }
        long left = output.length();
        writeBlocked = left > 0;
        if (left == 0 && finishing && (handoff == null || handoff.settled())) {
            // (A writer still between the hand-off's gate and its queue wakes the loop again.)
            finishing = false;
            writeShut = true;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                failIo(BevEvent.WRITING, e);
                return;
            }
        }
        refresh();
        if (n > 0 && left <= writeLow) {
            fireWrite();
        }
    }

    private void failIo(int direction, IOException e) {
        socketError = e;
        finishing = false;
        ENABLED.getAndBitwiseAnd(this, ~(direction == BevEvent.READING ? Ev.READ : Ev.WRITE));
        refresh();
        report(direction == BevEvent.READING ? Report.ERROR_READ : Report.ERROR_WRITE, 0, e);
        fireEvent(BevEvent.ERROR | direction);
    }

    private void onReadTimeout() {
        lock();
        try {
            if (released) {
                return;
            }
            ENABLED.getAndBitwiseAnd(this, ~Ev.READ);
            refresh();
            report(Report.TIMEOUT_READ, 0, null);
            fireEvent(BevEvent.TIMEOUT | BevEvent.READING);
        } finally {
            unlock();
        }
    }

    private void onWriteTimeout() {
        lock();
        try {
            if (released) {
                return;
            }
            boolean wasConnecting = state == CONNECTING;
            connectSeq++;
            ENABLED.getAndBitwiseAnd(this, ~Ev.WRITE);
            finishing = false;
            if (wasConnecting) {
                resolving = false;
                nextAddresses = null;
                state = NEW;
                if (ownsChannel) {
                    dropChannel();
                }
                report(Report.CONNECT_FAILED_TIMEOUT, elapsedConnect(), null);
            }
            refresh();
            report(Report.TIMEOUT_WRITE, 0, null);
            fireEvent(BevEvent.TIMEOUT | BevEvent.WRITING);
        } finally {
            unlock();
        }
    }

    // ------------------------------------------------------------------ running callbacks

    private void queueDeferred() {
        if (!deferQueued && !released) {
            deferQueued = true;
            if (base.onLoopOrIdle()) {
                base.queueDeferred(this);
            } else {
                base.execute(() -> {
                    lock();
                    try {
                        base.queueDeferred(this);
                    } finally {
                        unlock();
                    }
                });
            }
        }
    }

    /** Called by the base after the turn's I/O: runs the coalesced deferred callbacks. */
    void runDeferred() {
        lock();
        try {
            deferQueued = false;
            boolean read = deferredRead;
            boolean write = deferredWrite;
            int events = deferredEvents;
            deferredRead = false;
            deferredWrite = false;
            deferredEvents = 0;
            if ((events & BevEvent.CONNECTED) != 0) {
                invokeEvent(BevEvent.CONNECTED);
                events &= ~BevEvent.CONNECTED;
            }
            if (read) {
                invokeRead();
            }
            if (write) {
                invokeWrite();
            }
            if (events != 0) {
                invokeEvent(events);
            }
        } finally {
            unlock();
        }
    }

    private void fireRead() {
        if (deferCallbacks) {
            deferredRead = true;
            queueDeferred();
        } else {
            invokeRead();
        }
    }

    private void fireWrite() {
        if (deferCallbacks) {
            deferredWrite = true;
            queueDeferred();
        } else {
            invokeWrite();
        }
    }

    private void fireEvent(int events) {
        if (deferCallbacks) {
            deferredEvents |= events;
            queueDeferred();
        } else {
            invokeEvent(events);
        }
    }

    private void invokeRead() {
        ReadCallback cb = readCb;
        if (cb == null || freed) {
            return;
        }
        int holds = unlockForCallback();
        try {
            cb.onRead(this);
        } catch (Throwable t) {
            callbackFailed("read", t);
        } finally {
            relockAfterCallback(holds);
        }
    }

    private void invokeWrite() {
        WriteCallback cb = writeCb;
        if (cb == null || freed) {
            return;
        }
        int holds = unlockForCallback();
        try {
            cb.onWrite(this);
        } catch (Throwable t) {
            callbackFailed("write", t);
        } finally {
            relockAfterCallback(holds);
        }
    }

    private void invokeEvent(int events) {
        EventCallback cb = eventCb;
        if (cb == null || freed) {
            return;
        }
        int holds = unlockForCallback();
        try {
            cb.onEvent(this, events);
        } catch (Throwable t) {
            callbackFailed("event", t);
        } finally {
            relockAfterCallback(holds);
        }
    }

    /** With UNLOCK_CALLBACKS, releases the lock for the callback; returns how often it was held. */
    private int unlockForCallback() {
        if (lock == null || !unlockCallbacks || !lock.isHeldByCurrentThread()) {
            return 0;
        }
        int holds = lock.getHoldCount();
        for (int i = 0; i < holds; i++) {
            lock.unlock();
        }
        return holds;
    }

    private void relockAfterCallback(int holds) {
        for (int i = 0; i < holds; i++) {
            lock.lock();
        }
    }

    private void callbackFailed(String which, Throwable t) {
        LoopLog.log(System.Logger.Level.ERROR, "the " + which + " callback of " + this + " threw; the loop goes on", t);
        report(Report.ERROR_CALLBACK, 0, t);
    }

    // ------------------------------------------------------------------ graceful shutdown

    /** Loop thread: a graceful shutdown began; drain the output and shut the write side down. */
    void startShutdownFlush() {
        lock();
        try {
            if (released || writeShut) {
                return;
            }
            drainHandoff();
            if (finishRequested) {
                finishRequested = false;
                finishing = true;
            }
            if (output.length() > 0 || finishing) {
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
        return (finishing || finishRequested) && !freed && (state == CONNECTED || state == CONNECTING);
    }

    // ------------------------------------------------------------------ helpers

    /** Watches the two buffers: publishes their lengths, schedules writes, resumes suspended reads. */
    private final class BufferHook implements EvBuffer.ChangeHook {
        @Override
        public void onChange(EvBuffer buffer, long originalSize, long added, long deleted) {
            if (buffer == output) {
                publishedOutput = output.length();
                if (added > 0 && state == CONNECTED && (enabled & Ev.WRITE) != 0 && !writeBlocked && !released) {
                    requestFlush();
                }
            } else {
                long len = input.length();
                publishedInput = len;
                if (deleted > 0 && readSuspended && (readHigh == 0 || len < readHigh)) {
                    readSuspended = false;
                    requestSync();
                }
            }
        }
    }

    private void lockChecked(String method) {
        checkThread(method);
        lock();
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
    private boolean foreign(String method) {
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
                    if (!released) {
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
            action.run();
        } finally {
            unlock();
        }
    }

    private void handOverOrFail(Runnable action) {
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

    private static IllegalStateException foreignThread(String method) {
        return new IllegalStateException(method + "() called from thread '" + Thread.currentThread().getName()
                + "' while the loop runs on another thread; create the bufferevent with BevOption.THREADSAFE "
                + "or hand the call over with EventBase.execute()");
    }

    private void checkNotFreed() {
        if (freed) {
            throw new IllegalStateException("this bufferevent has been freed");
        }
    }

    static void checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, was " + port);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.DEBUG, "closing a channel failed", e);
        }
    }

    /** What is reported to the instrumentation. */
    private enum Report {
        CREATED, FREED, CONNECT_STARTED, CONNECT_SUCCEEDED, CONNECT_FAILED_REFUSED, CONNECT_FAILED_TIMEOUT,
        CONNECT_FAILED_UNRESOLVED, CONNECT_FAILED_ERROR, ERROR_CONNECT, ERROR_READ, ERROR_WRITE, ERROR_DNS,
        ERROR_CALLBACK, EOF, TIMEOUT_READ, TIMEOUT_WRITE, BYTES_READ, BYTES_WRITTEN
    }

    private void report(Report what, long value, Throwable cause) {
        Instrumentation in = instrumentation;
        if (in == Instrumentation.NOOP) {
            return;
        }
        try {
            switch (what) {
                case CREATED: in.created(this); break;
                case FREED: in.freed(this); break;
                case CONNECT_STARTED: in.connectStarted(this); break;
                case CONNECT_SUCCEEDED: in.connectSucceeded(this, value); break;
                case CONNECT_FAILED_REFUSED: in.connectFailed(this, Instrumentation.ConnectOutcome.REFUSED, cause, value); break;
                case CONNECT_FAILED_TIMEOUT: in.connectFailed(this, Instrumentation.ConnectOutcome.TIMEOUT, cause, value); break;
                case CONNECT_FAILED_UNRESOLVED:
                    in.connectFailed(this, Instrumentation.ConnectOutcome.UNRESOLVED, cause, value);
                    break;
                case CONNECT_FAILED_ERROR: in.connectFailed(this, Instrumentation.ConnectOutcome.ERROR, cause, value); break;
                case ERROR_CONNECT: in.error(this, Instrumentation.ErrorKind.CONNECT, cause); break;
                case ERROR_READ: in.error(this, Instrumentation.ErrorKind.READ, cause); break;
                case ERROR_WRITE: in.error(this, Instrumentation.ErrorKind.WRITE, cause); break;
                case ERROR_DNS: in.error(this, Instrumentation.ErrorKind.DNS, cause); break;
                case ERROR_CALLBACK: in.error(this, Instrumentation.ErrorKind.CALLBACK, cause); break;
                case EOF: in.eof(this); break;
                case TIMEOUT_READ: in.timeout(this, BevEvent.READING); break;
                case TIMEOUT_WRITE: in.timeout(this, BevEvent.WRITING); break;
                case BYTES_READ: in.bytesRead(this, value); break;
                case BYTES_WRITTEN: in.bytesWritten(this, value); break;
                default: throw new AssertionError(what);
            }
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.WARNING, "instrumentation failed on " + what, t);
        }
    }
}
