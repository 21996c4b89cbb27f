package io.github.bufferevent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * libevent's {@code event_base}: one {@link Selector}, a timer heap and a queue of tasks handed
 * over from other threads, run by one loop thread.
 *
 * <p>The loop runs either on the caller's thread ({@link #dispatch()}, {@link #loop(int)}, as in
 * libevent) or on a thread the base starts and names itself ({@link #start()}, the managed mode
 * the Spring starter uses). All socket I/O, timers and callbacks run on that loop thread.
 *
 * <p>Threads: {@link #execute}, {@link #loopBreak}, {@link #loopExit}, {@link #once},
 * {@link #inLoopThread}, the statistics getters, {@link #shutdownGracefully} and {@link #close}
 * may be called from any thread. Before the loop runs, the base has no loop thread and the thread
 * setting it up (the one that will call {@code dispatch()}) may do anything.
 */
public final class EventBase implements Executor, AutoCloseable {

    /** {@code EVLOOP_ONCE}: wait until something is active, run it, then return. */
    public static final int LOOP_ONCE = 0x01;
    /** {@code EVLOOP_NONBLOCK}: run what is ready now without waiting, then return. */
    public static final int LOOP_NONBLOCK = 0x02;
    /** {@code EVLOOP_NO_EXIT_ON_EMPTY}: keep running when nothing is pending (until exit/break). */
    public static final int LOOP_NO_EXIT_ON_EMPTY = 0x04;

    private static final int WRITE_VECTORS = 64;
    /** How long {@link #close()} waits for the loop to return before closing without it. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    // The loop and the lifecycle live here; the parts live beside it: LoopSelector (the selector
    // and its wakeup protocol), LoopQueues (what a turn runs, in order), LoopStop (break, exit,
    // close), LoopStats (turn statistics), LiveSet (what is alive on the base), GracefulShutdown
    // (draining, and the bounded waits of ending a base), CloseHooks.
    private final LongSupplier clock;
    private final String threadName;
    private final boolean daemon;
    private final Instrumentation instrumentation;
    private final HostResolver resolver;
    private final TimerHeap timers = new TimerHeap();
    private final LoopSelector io;
    private final LoopStats stats;
    private final LoopQueues queues;
    private final AtomicBoolean running = new AtomicBoolean();
    private final LoopStop stop = new LoopStop();

    private volatile Thread loopThread;
    private volatile boolean closed;

    /** Loop-thread scratch for socket reads and gathering writes, shared by every bufferevent of this base. */
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    final ByteBuffer[] writeVectors = new ByteBuffer[WRITE_VECTORS];
    /** Loop-thread scratch for ciphertext, shared by the TLS bufferevents of this base: records to unwrap, a record wrapped. */
    final SslScratch sslNetIn = new SslScratch();
    final SslScratch sslNetOut = new SslScratch();
    /** Where TLS bufferevents run their engines' delegated tasks. */
    private final DelegatedTasks delegatedTasks;

    private final LiveSet live = new LiveSet();
    private int retained;

    private final Object lifecycleLock = new Object();
    private final CloseHooks closeHooks = new CloseHooks();
    private Thread managedThread;
    /** Counted down once {@link #closeResources} has run: the base is closed. */
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private GracefulShutdown shutdown;

    private EventBase(Builder builder) throws IOException {
        this.clock = builder.clock;
        this.threadName = builder.threadName;
        this.daemon = builder.daemon;
        this.instrumentation = builder.instrumentation;
        this.resolver = builder.resolver;
        this.delegatedTasks = new DelegatedTasks(this, builder.delegatedTaskExecutor, builder.threadName);
        this.io = new LoopSelector(clock, this::onKeyReady, this::wakeRequested);
        this.stats = new LoopStats(this, instrumentation);
        this.queues = new LoopQueues(clock, timers, stats, stop::stopping);
    }

    /** {@code event_base_new()}: a base with the default settings. */
    public static EventBase create() {
        return builder().build();
    }

    /** A builder for a base with a thread name, clock, resolver or instrumentation of your own. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ loop

    /** {@code event_base_dispatch()}: {@code loop(0)}. */
    public int dispatch() {
        return loop(0);
    }

    /**
     * {@code event_base_loop()}: runs the loop on the calling thread.
     *
     * @param flags {@link #LOOP_ONCE}, {@link #LOOP_NONBLOCK}, {@link #LOOP_NO_EXIT_ON_EMPTY} or 0
     * @return 0 after {@link #loopExit}/{@link #loopBreak} (or after one pass with ONCE/NONBLOCK),
     *     1 when there was nothing left to wait for
     * @throws IllegalStateException if the loop already runs on another thread, or the base is closed
     */
    public int loop(int flags) {
        if ((flags & ~(LOOP_ONCE | LOOP_NONBLOCK | LOOP_NO_EXIT_ON_EMPTY)) != 0) {
            throw new IllegalArgumentException("flags must combine LOOP_ONCE (0x01), LOOP_NONBLOCK (0x02) and "
                    + "LOOP_NO_EXIT_ON_EMPTY (0x04), was 0x" + Integer.toHexString(flags));
        }
        if (closed) {
            throw new IllegalStateException("this EventBase is closed");
        }
        if (!running.compareAndSet(false, true)) {
            Thread t = loopThread;
            throw new IllegalStateException("the loop of this EventBase is already running"
                    + (t == null ? "" : " on thread '" + t.getName() + "'"));
        }
        stop.reset();
        return runClaimed(flags);
    }

    /** Runs the loop on the calling thread; {@link #running} has been claimed and {@link #stop} reset. */
    private int runClaimed(int flags) {
        loopThread = Thread.currentThread();
        try {
            return runLoop(flags);
        } finally {
            if (Thread.currentThread() == managedThread) {
                // A managed loop only returns to end (see runManaged): say so before letting go
                // of the loop, so no other thread can start a loop on a base about to close.
                stop.requestClose();
            }
            loopThread = null;
            running.set(false);
            if (stop.closeRequested()) {
                closeResources(true);
            } else {
                releaseCancelledKeys();
            }
        }
    }

    private int runLoop(int flags) {
        boolean once = (flags & LOOP_ONCE) != 0;
        boolean nonBlock = (flags & LOOP_NONBLOCK) != 0;
        boolean noExitOnEmpty = (flags & LOOP_NO_EXIT_ON_EMPTY) != 0;
        boolean passDone = false;
        while (true) {
            // After the one pass ONCE/NONBLOCK asked for, still record why the loop would have
            // stopped anyway, so gotBreak()/gotExit() answer as in libevent.
            if (stop.takeStopRequest() || passDone) {
                return 0;
            }
            if (!noExitOnEmpty && !hasPendingWork()) {
                return 1;
            }
            stats.beforeSelect();
            io.select(nonBlock || queues.hasQueuedWork(), timers);
            stats.markTurnStart();
            queues.runTurn();
            if (shutdown != null) {
                shutdown.check();
            }
            stats.endTurn();
            passDone = nonBlock || (once && stats.ranAny());
        }
    }

    private boolean hasPendingWork() {
        return io.activeRegistrations() > 0 || timers.size() > 0 || retained > 0 || queues.hasQueuedWork();
    }

    /** Asked by the selector after it published that the loop sleeps: a task, break or close came meanwhile. */
    private boolean wakeRequested() {
        return queues.pendingTasks() > 0 || stop.stopping();
    }

    private void onKeyReady(SelectionKey key) {
        stats.markTurnStart();
        if (stop.stopping()) {
            return; // level-triggered: the key is reported again on the next turn
        }
        stats.ran();
        IoHandler handler = (IoHandler) key.attachment();
        try {
            if (key.isValid()) {
                handler.onReady(key.readyOps());
            }
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.ERROR, "unexpected failure in I/O handler " + handler + "; the loop goes on", t);
        }
    }

    static void runSafely(Runnable task, String what) {
        try {
            task.run();
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.ERROR, "a " + what + " threw; the loop goes on", t);
        }
    }

    /**
     * {@code event_base_loopexit()}: the loop returns after the given delay, once it has run
     * every callback active at that time. Null or zero: after the current turn. Any thread.
     */
    public void loopExit(Duration delay) {
        long nanos = delay == null ? 0 : checkDelay("delay", delay);
        runOnLoop(() -> schedule(new TimerHeap.Timer(stop::requestExit), nanos));
    }

    /**
     * {@code event_base_loopbreak()}: the loop returns as soon as the callback running now
     * returns, before any other callback. Any thread. A break requested while no loop runs is
     * cleared when the next loop starts, as in libevent.
     */
    public void loopBreak() {
        stop.requestBreak();
        io.wakeup();
    }

    /** {@code event_base_got_exit()}: whether the last loop ended because of {@link #loopExit}. */
    public boolean gotExit() {
        return stop.gotExit();
    }

    /** {@code event_base_got_break()}: whether the last loop ended because of {@link #loopBreak}. */
    public boolean gotBreak() {
        return stop.gotBreak();
    }

    /** {@code event_base_once(EV_TIMEOUT)}: runs {@code callback} on the loop thread after {@code delay}. Any thread. */
    public void once(Duration delay, Runnable callback) {
        long nanos = checkDelay("delay", delay);
        Objects.requireNonNull(callback, "callback");
        runOnLoop(() -> schedule(new TimerHeap.Timer(callback), nanos));
    }

    /**
     * Hands {@code task} to the loop thread, which runs it on its next turn, in submission order.
     * Any thread. Wakes the selector only if the loop may be asleep, once per batch.
     *
     * @throws RejectedExecutionException if the base is closed
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed || stop.closeRequested()) {
            throw new RejectedExecutionException("this EventBase is closed");
        }
        queues.addTask(task);
        if (closed && queues.withdrawTask(task)) {
            // closeResources() cleared the queue between our check and our offer: nobody would run it.
            throw new RejectedExecutionException("this EventBase is closed");
        }
        io.wakeup();
    }

    /**
     * Runs {@code hook} once when this base closes (however: {@link #close()}, a graceful
     * shutdown, the managed loop ending), after every bufferevent and listener was freed, on the
     * thread that closes it. What owns work on this base without a bufferevent of its own (a
     * reconnecting client waiting to retry) learns of the close here. A hook added after the
     * close runs at once. Any thread.
     */
    public void addCloseHook(Runnable hook) {
        Objects.requireNonNull(hook, "hook");
        if (!closeHooks.add(hook)) {
            runSafely(hook, "close hook");
        }
    }

    /** Removes a hook added with {@link #addCloseHook}; does nothing if it is not there. Any thread. */
    public void removeCloseHook(Runnable hook) {
        closeHooks.remove(hook);
    }

    /** Whether the caller is the thread running this base's loop. */
    public boolean inLoopThread() {
        return Thread.currentThread() == loopThread;
    }

    /** Whether the caller may touch loop-confined state: it is the loop thread, or no loop runs. */
    boolean onLoopOrIdle() {
        Thread t = loopThread;
        return t == null || t == Thread.currentThread();
    }

    /** Runs {@code action} now when on the loop thread or while no loop runs, else hands it over. */
    void runOnLoop(Runnable action) {
        if (onLoopOrIdle()) {
            action.run();
        } else {
            execute(action);
        }
    }

    // ------------------------------------------------------------------ managed mode

    /**
     * Starts the managed mode: a thread named after {@link Builder#threadName} runs the loop
     * with {@link #LOOP_NO_EXIT_ON_EMPTY} until {@link #shutdownGracefully} or {@link #close}.
     *
     * @return this base
     * @throws IllegalStateException if already started, running or closed
     */
    public EventBase start() {
        synchronized (lifecycleLock) {
            if (closed || stop.closeRequested()) {
                throw new IllegalStateException("this EventBase is closed");
            }
            if (managedThread != null || !running.compareAndSet(false, true)) {
                throw new IllegalStateException("the loop of this EventBase is already running");
            }
            // running is claimed here, before the thread starts, so that a dispatch() from
            // another thread right after start() fails instead of stealing the loop, and a
            // loopBreak() right after start() returns is not forgotten by a late reset.
            stop.reset();
            CountDownLatch started = new CountDownLatch(1);
            Thread t = new Thread(() -> runManaged(started), threadName);
            t.setDaemon(daemon);
            managedThread = t;
            try {
                t.start();
            } catch (RuntimeException | Error e) {
                managedThread = null;
                running.set(false);
                throw e;
            }
            GracefulShutdown.awaitQuietly(started, Duration.ofSeconds(10));
            return this;
        }
    }

    private void runManaged(CountDownLatch started) {
        try {
            loopThread = Thread.currentThread(); // foreign callers see a loop thread once start() returns
            started.countDown();
            runClaimed(LOOP_NO_EXIT_ON_EMPTY);
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.ERROR, "the loop thread of " + this + " died", t);
        } finally {
            // A managed loop only returns to end: after close(), shutdownGracefully(), or a
            // loopBreak()/loopExit() by the application, which we take as the same request.
            stop.requestClose();
            closeResources(true);
            started.countDown();
        }
    }

    /** The managed loop thread, or the thread running {@code dispatch()}, or null. Any thread. */
    public Thread loopThread() {
        Thread t = loopThread;
        return t != null ? t : managedThread;
    }

    /**
     * Graceful shutdown: listeners stop accepting, every live bufferevent with pending output
     * (or a {@link BevFlush#FINISHED} flush under way) drains it and shuts its write side down,
     * until none is left or {@code timeout} passes; then every bufferevent is freed, the loop
     * returns and the base is closed. Any thread but the loop thread; waits for the loop to stop,
     * but never much longer than {@code timeout}: a loop thread stuck in a callback that does not
     * return is left behind (logged with its stack), and the base is closed from this thread.
     *
     * @return true if every pending byte was written before the timeout
     */
    public boolean shutdownGracefully(Duration timeout) {
        long nanos = checkDelay("timeout", timeout);
        if (inLoopThread()) {
            throw new IllegalStateException("shutdownGracefully waits for the loop and cannot be called on the loop thread; use close()");
        }
        if (closed) {
            return true;
        }
        return new GracefulShutdown(this, live, nanos).run("shutdownGracefully(" + timeout + ")");
    }

    /** Loop thread: the graceful shutdown handed over by {@link GracefulShutdown#run} begins, unless one already did. */
    void beginShutdown(GracefulShutdown gs) {
        if (shutdown != null) {
            gs.superseded();
            return;
        }
        shutdown = gs;
        gs.begin();
    }

    /**
     * {@code event_base_free()}: frees every bufferevent and listener (pending output is
     * discarded, as with {@link BufferEvent#free()}), closes the selector and stops the managed
     * thread. Called on the loop thread, it takes effect when the loop returns (no further
     * callback runs). Called from another thread while a loop runs, it wakes that loop and waits
     * (up to 10 s) until it has returned and the base is closed. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        stop.requestClose();
        if (inLoopThread()) {
            return; // loop() closes the resources on its way out
        }
        io.wakeup();
        Thread t;
        synchronized (lifecycleLock) {
            t = managedThread;
        }
        if (t != null) {
            GracefulShutdown.joinQuietly(t, CLOSE_WAIT);
        } else if (!running.get()) {
            closeResources(true);
            return;
        } else {
            // Another thread runs dispatch(): it closes the resources when its loop returns, which
            // the wakeup above makes happen after the callback running now. Wait for it, as for
            // the managed thread, so the base is closed when close() returns.
            GracefulShutdown.awaitQuietly(closedLatch, CLOSE_WAIT);
        }
        if (!closed) {
            GracefulShutdown.closeWithoutTheLoop(this, "close()");
        }
    }

    /** Frees everything and closes the selector, here or (with a stuck loop thread) on a thread of its own. */
    void closeResources(boolean closeSelectorHere) {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            closeHooks.seal();
        }
        live.closeAll();
        queues.dropTasks();
        io.close(closeSelectorHere, threadName);
        closeHooks.runAll();
        GracefulShutdown gs = shutdown;
        if (gs != null) {
            gs.baseClosed();
        }
        closedLatch.countDown();
    }

    /** Asks the loop to return and the base to close once it has (a graceful shutdown ended, or gave up on the loop). */
    void requestClose() {
        stop.requestClose();
    }

    /** Waits until the base is closed or {@code deadlineNanos} (on {@link System#nanoTime()}) passes. */
    void awaitClosed(long deadlineNanos) {
        GracefulShutdown.awaitUntil(closedLatch, deadlineNanos);
    }

    /** The managed loop thread, or null. */
    Thread managedThread() {
        return managedThread;
    }

    /** Whether no thread runs the loop, nor is about to (the managed thread starting). */
    boolean nobodyRunsTheLoop() {
        return !running.get() && managedThread == null;
    }

    /** Whether {@link #close()} has completed. Any thread. */
    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ statistics (any thread)

    /** Loop turns completed so far. */
    public long turns() {
        return stats.turns();
    }

    /** Duration of the last completed turn, in nanoseconds. */
    public long lastTurnNanos() {
        return stats.lastTurnNanos();
    }

    /** Duration of the longest turn so far, in nanoseconds. */
    public long longestTurnNanos() {
        return stats.longestTurnNanos();
    }

    /**
     * How long the turn in progress has run, in nanoseconds, or 0 when the loop is waiting in
     * the selector (or not running). A watchdog uses this to detect a callback blocking the loop.
     */
    public long currentTurnNanos() {
        return stats.currentTurnNanos();
    }

    /**
     * The base's monotonic clock, in nanoseconds: the one its timers run on ({@link System#nanoTime()}
     * unless {@link Builder#clock} gave another). Code that computes deadlines for timers on this base
     * (the reconnecting client's reply timeouts and backoff) reads it, so a test clock moves them all
     * together. Any thread.
     */
    public long nanoTime() {
        return clock.getAsLong();
    }

    /** Tasks handed over with {@link #execute} and not yet run. */
    public int pendingTasks() {
        return queues.pendingTasks();
    }

    /** Channels registered with the selector (bufferevents and listeners). */
    public int registeredChannels() {
        return io.registeredChannels();
    }

    /** Bufferevents created on this base and not yet freed. */
    public int liveBufferEvents() {
        return live.size();
    }

    /** Sum of the input buffers of the live bufferevents, in bytes (a snapshot). */
    public long bufferedInputBytes() {
        return live.bufferedInput();
    }

    /** Sum of the output buffers of the live bufferevents, in bytes (a snapshot). */
    public long bufferedOutputBytes() {
        return live.bufferedOutput();
    }

    /** The live bufferevents (a snapshot copy), for diagnostics. */
    public List<BufferEvent> liveBufferEventList() {
        return live.snapshot();
    }

    /** The instrumentation given to the builder. */
    public Instrumentation instrumentation() {
        return instrumentation;
    }

    @Override
    public String toString() {
        return "EventBase[" + threadName + (closed ? ", closed" : "") + "]";
    }

    // ------------------------------------------------------------------ package-private plumbing

    long now() {
        return clock.getAsLong();
    }

    HostResolver resolver() {
        return resolver;
    }

    DelegatedTasks delegatedTasks() {
        return delegatedTasks;
    }

    void schedule(TimerHeap.Timer timer, long delayNanos) {
        timers.schedule(timer, clock.getAsLong() + delayNanos);
    }

    void cancel(TimerHeap.Timer timer) {
        timers.cancel(timer);
    }

    /** Keeps the loop from exiting as empty while an outside operation (a DNS lookup) is in flight. */
    void retain() {
        retained++;
    }

    void release() {
        retained--;
    }

    SelectionKey register(SelectableChannel channel, IoHandler handler) throws ClosedChannelException {
        if (closed) {
            throw new IllegalStateException("this EventBase is closed");
        }
        return io.register(channel, handler);
    }

    void interest(SelectionKey key, int oldOps, int newOps) {
        io.interest(key, oldOps, newOps);
    }

    void deregister(SelectionKey key, int currentOps) {
        io.deregister(key, currentOps, !running.get() && !closed);
    }

    private void releaseCancelledKeys() {
        if (!closed) {
            io.releaseCancelledKeys();
        }
    }

    /** Loop thread, or no loop running: {@code cb.runDeferred()} runs once, after a turn's I/O. */
    void queueDeferred(LoopCallback cb) {
        queues.queueDeferred(cb);
    }

    /** Loop thread, or no loop running: {@code cb.flushQueued()} runs once, at the end of a turn. */
    void queueFlush(LoopCallback cb) {
        queues.queueFlush(cb);
    }

    void addLive(BufferEvent bev) {
        live.add(bev);
    }

    void removeLive(BufferEvent bev) {
        live.remove(bev);
    }

    void addListener(ConnectionListener l) {
        live.add(l);
    }

    void removeListener(ConnectionListener l) {
        live.remove(l);
    }

    static long checkDelay(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + d);
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    /**
     * Settings of a new {@link EventBase}. Not thread-safe; use on one thread, then {@link #build()}.
     */
    public static final class Builder {
        private LongSupplier clock = System::nanoTime;
        private String threadName = "bufferevent-loop";
        private boolean daemon;
        private Instrumentation instrumentation = Instrumentation.NOOP;
        private HostResolver resolver = HostResolver.system();
        private Executor delegatedTaskExecutor;

        private Builder() {
        }

        /** The name of the managed loop thread (default {@code bufferevent-loop}). */
        public Builder threadName(String name) {
            Objects.requireNonNull(name, "threadName");
            if (name.isBlank()) {
                throw new IllegalArgumentException("threadName must not be blank");
            }
            this.threadName = name;
            return this;
        }

        /** Whether the managed loop thread is a daemon thread (default false). */
        public Builder daemon(boolean daemon) {
            this.daemon = daemon;
            return this;
        }

        /** The monotonic nanosecond clock for timers (default {@link System#nanoTime()}); tests replace it. */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "clock");
            return this;
        }

        /** The instrumentation for loop turns and for bufferevents made without a factory. */
        public Builder instrumentation(Instrumentation instrumentation) {
            this.instrumentation = Objects.requireNonNull(instrumentation, "instrumentation");
            return this;
        }

        /** The resolver behind {@link BufferEvent#connectHostname} (default {@link HostResolver#system()}). */
        public Builder resolver(HostResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Where TLS bufferevents run the work their {@code SSLEngine} must not do on the loop
         * ({@code getDelegatedTask()}: certificate checks, key exchange, signatures; a client's
         * first flight). Default null: a small pool of daemon threads named after the loop thread,
         * made on first use and shut down when the base closes. An executor given here is used as
         * is and never shut down by the base; it must not run tasks on the calling thread.
         */
        public Builder delegatedTaskExecutor(Executor executor) {
            this.delegatedTaskExecutor = executor;
            return this;
        }

        /**
         * Opens the selector and returns the base.
         *
         * @throws UncheckedIOException if the selector cannot be opened
         */
        public EventBase build() {
            try {
                return new EventBase(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a selector", e);
            }
        }
    }
}
