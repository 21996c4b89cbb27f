package io.github.bufferevent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
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

    private static final int READ_BUFFER_SIZE = 64 * 1024;
    private static final int WRITE_VECTORS = 64;
    private static final int FLUSH_ROUNDS = 16;
    /** How long past its timeout a shutdown waits for a loop that should have returned at once. */
    private static final long STUCK_LOOP_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long {@link #close()} waits for the loop to return before closing without it. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final Selector selector;
    private final LongSupplier clock;
    private final String threadName;
    private final boolean daemon;
    private final Instrumentation instrumentation;
    private final HostResolver resolver;

    private final TimerHeap timers = new TimerHeap();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingTasks = new AtomicInteger();
    /**
     * True while the loop is awake (not in, and not about to enter, a blocking select). Producers
     * wake the selector only when they flip it from false to true, so a batch of tasks handed over
     * while the loop sleeps costs one {@code Selector.wakeup()}. See {@link #execute}.
     */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final AtomicBoolean running = new AtomicBoolean();
    private final Consumer<SelectionKey> readyHandler = this::onKeyReady;

    private volatile Thread loopThread;
    private volatile boolean breakRequested;
    private volatile boolean gotExit;
    private volatile boolean gotBreak;
    private volatile boolean closeRequested;
    private volatile boolean closed;
    private boolean exitRequested;

    /** Loop-thread scratch shared by every bufferevent of this base. */
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    final ByteBuffer[] writeVectors = new ByteBuffer[WRITE_VECTORS];

    private final ArrayDeque<BufferEvent> deferredQueue = new ArrayDeque<>();
    private final ArrayDeque<BufferEvent> flushQueue = new ArrayDeque<>();
    private final Set<BufferEvent> liveEvents = ConcurrentHashMap.newKeySet();
    private final Set<ConnectionListener> listeners = ConcurrentHashMap.newKeySet();

    private int activeRegistrations;
    private int retained;
    private boolean keysCancelled;
    private volatile int registeredChannels;

    private volatile long turns;
    private volatile long turnStartNanos;
    private volatile long lastTurnNanos;
    private volatile long longestTurnNanos;
    private long processedThisTurn;

    private final Object lifecycleLock = new Object();
    private final List<Runnable> closeHooks = new ArrayList<>();
    private Thread managedThread;
    /** Counted down once {@link #closeResources()} has run: the base is closed. */
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private GracefulShutdown shutdown;

    private EventBase(Builder builder) throws IOException {
        this.selector = Selector.open();
        this.clock = builder.clock;
        this.threadName = builder.threadName;
        this.daemon = builder.daemon;
        this.instrumentation = builder.instrumentation;
        this.resolver = builder.resolver;
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
        resetLoopFlags();
        return runClaimed(flags);
    }

    /**
     * Called when a loop is claimed, before anyone can see it running. As libevent: a break
     * asked for while no loop ran is forgotten, and so is an exit that fired in the previous
     * loop after that loop had already decided to stop (for a break).
     */
    private void resetLoopFlags() {
        gotExit = false;
        gotBreak = false;
        breakRequested = false;
        exitRequested = false;
    }

    /** Runs the loop on the calling thread; {@link #running} has been claimed and the flags reset. */
    private int runClaimed(int flags) {
        loopThread = Thread.currentThread();
        try {
            return runLoop(flags);
        } finally {
            if (Thread.currentThread() == managedThread) {
                // A managed loop only returns to end (see runManaged): say so before letting go
                // of the loop, so no other thread can start a loop on a base about to close.
                closeRequested = true;
            }
            loopThread = null;
            running.set(false);
            if (closeRequested) {
                closeResources();
            } else {
                releaseCancelledKeys();
            }
        }
    }

    private int runLoop(int flags) {
        boolean once = (flags & LOOP_ONCE) != 0;
        boolean nonBlock = (flags & LOOP_NONBLOCK) != 0;
        boolean noExitOnEmpty = (flags & LOOP_NO_EXIT_ON_EMPTY) != 0;
        while (true) {
            if (breakRequested || closeRequested) {
                breakRequested = false;
                gotBreak = true;
                if (exitRequested) { // both fired: libevent reports both
                    exitRequested = false;
                    gotExit = true;
                }
                return 0;
            }
            if (exitRequested) {
                exitRequested = false;
                gotExit = true;
                return 0;
            }
            if (!noExitOnEmpty && !hasPendingWork()) {
                return 1;
            }
            processedThisTurn = 0;
            turnStartNanos = 0;
            select(nonBlock);
            markTurnStart();
            runExpiredTimers();
            runTasks();
            runDeferred();
            runFlushes();
            if (shutdown != null) {
                shutdown.check();
            }
            endTurn();
            if (nonBlock || (once && processedThisTurn > 0)) {
                // One pass is all we were asked for; still record why the loop would have
                // stopped anyway, so gotBreak()/gotExit() answer as in libevent.
                if (breakRequested || closeRequested) {
                    breakRequested = false;
                    gotBreak = true;
                }
                if (exitRequested) {
                    exitRequested = false;
                    gotExit = true;
                }
                return 0;
            }
        }
    }

    private boolean hasPendingWork() {
        return activeRegistrations > 0 || timers.size() > 0 || pendingTasks.get() > 0 || retained > 0
                || !deferredQueue.isEmpty() || !flushQueue.isEmpty();
    }

    private void select(boolean nonBlock) {
        try {
            if (nonBlock || pendingTasks.get() > 0 || !deferredQueue.isEmpty() || !flushQueue.isEmpty()) {
                selector.selectNow(readyHandler);
                return;
            }
            long timeoutMillis = 0;
            TimerHeap.Timer next = timers.peek();
            if (next != null) {
                long delay = next.deadline - clock.getAsLong();
                if (delay <= 0) {
                    selector.selectNow(readyHandler);
                    return;
                }
                timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delay + 999_999));
            }
            // Race with execute(): we publish "asleep" first, then look at the queue. A producer
            // that enqueued before our look is seen by it; one that enqueues after it finds
            // awake == false, flips it and calls wakeup(), which makes the select below return
            // at once even if it has not started yet. Producers that find awake == true skip the
            // wakeup, so one batch of hand-overs costs one wakeup.
            awake.set(false);
            try {
                // loopBreak() and close() set their flag, then wake only if they see the loop
                // asleep: one that came between the top-of-loop check and awake.set(false) saw
                // it awake and did not wake us, so look at the flags again here.
                if (pendingTasks.get() > 0 || breakRequested || closeRequested) {
                    selector.selectNow(readyHandler);
                } else if (timeoutMillis == 0) {
                    selector.select(readyHandler);
                } else {
                    selector.select(readyHandler, timeoutMillis);
                }
            } finally {
                awake.set(true);
            }
        } catch (java.nio.channels.ClosedSelectorException e) {
            if (!closed) {
                throw e;
            }
            // closed from another thread while this loop was stuck in a callback: the loop ends now
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.ERROR, "selector failed; the loop goes on", e);
        }
    }

    private void onKeyReady(SelectionKey key) {
        markTurnStart();
        if (breakRequested || closeRequested) {
            return; // level-triggered: the key is reported again on the next turn
        }
        processedThisTurn++;
        IoHandler handler = (IoHandler) key.attachment();
        try {
            if (key.isValid()) {
                handler.onReady(key.readyOps());
            }
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.ERROR, "unexpected failure in I/O handler " + handler + "; the loop goes on", t);
        }
    }

    private void markTurnStart() {
        if (turnStartNanos == 0) {
            long now = System.nanoTime();
            turnStartNanos = now == 0 ? 1 : now;
        }
    }

    private void endTurn() {
        long start = turnStartNanos;
        long duration = System.nanoTime() - start;
        turnStartNanos = 0;
        lastTurnNanos = duration;
        if (duration > longestTurnNanos) {
            longestTurnNanos = duration;
        }
        turns++;
        try {
            instrumentation.loopTurn(this, duration);
        } catch (Throwable t) {
            LoopLog.log(System.Logger.Level.WARNING, "instrumentation failed", t);
        }
    }

    private void runExpiredTimers() {
        int budget = timers.size();
        long now = clock.getAsLong();
        while (budget-- > 0 && !breakRequested && !closeRequested) {
            TimerHeap.Timer next = timers.peek();
            if (next == null || next.deadline - now > 0) {
                return;
            }
            timers.poll();
            processedThisTurn++;
            runSafely(next.task, "timer");
        }
    }

    private void runTasks() {
        int budget = pendingTasks.get();
        while (budget-- > 0 && !breakRequested && !closeRequested) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            pendingTasks.decrementAndGet();
            processedThisTurn++;
            runSafely(task, "task");
        }
    }

    private void runDeferred() {
        int budget = deferredQueue.size();
        while (budget-- > 0 && !breakRequested && !closeRequested) {
            BufferEvent bev = deferredQueue.poll();
            processedThisTurn++;
            try {
                bev.runDeferred();
            } catch (Throwable t) { // a plain catch, not runSafely: no lambda on the hot path
                LoopLog.log(System.Logger.Level.ERROR, "deferred callbacks of " + bev + " failed; the loop goes on", t);
            }
        }
    }

    /**
     * Writes the output queued during this turn. A write callback that refills the output queues
     * its bufferevent again; that is served in the same turn, up to {@link #FLUSH_ROUNDS} rounds,
     * instead of costing a selector call per refill. A break stops it like any other callback
     * (a flush may run a write callback); what is still queued stays queued for the next loop.
     */
    private void runFlushes() {
        int budget = flushQueue.size() * FLUSH_ROUNDS;
        while (budget-- > 0 && !breakRequested && !closeRequested) {
            BufferEvent bev = flushQueue.poll();
            if (bev == null) {
                return;
            }
            try {
                bev.flushQueued();
            } catch (Throwable t) { // e.g. a user EvBuffer callback on the output threw
                LoopLog.log(System.Logger.Level.ERROR, "writing the output of " + bev + " failed; the loop goes on", t);
            }
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
        runOnLoop(() -> schedule(new TimerHeap.Timer(() -> exitRequested = true), nanos));
    }

    /**
     * {@code event_base_loopbreak()}: the loop returns as soon as the callback running now
     * returns, before any other callback. Any thread. A break requested while no loop runs is
     * cleared when the next loop starts, as in libevent.
     */
    public void loopBreak() {
        breakRequested = true;
        wakeup();
    }

    /** {@code event_base_got_exit()}: whether the last loop ended because of {@link #loopExit}. */
    public boolean gotExit() {
        return gotExit;
    }

    /** {@code event_base_got_break()}: whether the last loop ended because of {@link #loopBreak}. */
    public boolean gotBreak() {
        return gotBreak;
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
        if (closed || closeRequested) {
            throw new RejectedExecutionException("this EventBase is closed");
        }
        pendingTasks.incrementAndGet();
        tasks.offer(task);
        if (closed && tasks.remove(task)) {
            // closeResources() cleared the queue between our check and our offer: nobody would run it.
            pendingTasks.decrementAndGet();
            throw new RejectedExecutionException("this EventBase is closed");
        }
        wakeup();
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
        synchronized (lifecycleLock) {
            if (!closed) {
                closeHooks.add(hook);
                return;
            }
        }
        runSafely(hook, "close hook");
    }

    /** Removes a hook added with {@link #addCloseHook}; does nothing if it is not there. Any thread. */
    public void removeCloseHook(Runnable hook) {
        synchronized (lifecycleLock) {
            closeHooks.remove(hook);
        }
    }

    private void wakeup() {
        if (awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
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
            if (closed || closeRequested) {
                throw new IllegalStateException("this EventBase is closed");
            }
            if (managedThread != null || !running.compareAndSet(false, true)) {
                throw new IllegalStateException("the loop of this EventBase is already running");
            }
            // running is claimed here, before the thread starts, so that a dispatch() from
            // another thread right after start() fails instead of stealing the loop, and a
            // loopBreak() right after start() returns is not forgotten by a late reset.
            resetLoopFlags();
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
            awaitQuietly(started, Duration.ofSeconds(10));
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
            closeRequested = true;
            closeResources();
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
        GracefulShutdown gs = new GracefulShutdown(clock.getAsLong() + nanos);
        if (!running.get() && managedThread == null) {
            // Nobody runs the loop: run it here until the drain ends. Hand the start over like
            // the running case does, so tasks handed over before this call still run first.
            try {
                execute(() -> begin(gs));
            } catch (RejectedExecutionException alreadyClosing) {
                closeResources();
                return true;
            }
            loop(LOOP_NO_EXIT_ON_EMPTY); // closes the resources when the drain ends
            return gs.drained;
        }
        long giveUpAt = System.nanoTime() + Math.min(nanos, Long.MAX_VALUE / 4) + STUCK_LOOP_GRACE_NANOS;
        try {
            execute(() -> begin(gs));
        } catch (RejectedExecutionException alreadyClosing) {
            awaitUntil(closedLatch, giveUpAt);
            return true;
        }
        // The loop ends the drain by the deadline (drained or not), then returns and closes the
        // base. Wait for all of it, so the caller finds the base closed, whoever runs its loop.
        awaitUntil(gs.done, giveUpAt);
        awaitUntil(closedLatch, giveUpAt);
        if (!closed) {
            closeWithoutTheLoop("shutdownGracefully(" + timeout + ")");
            return false;
        }
        Thread t = managedThread;
        if (t != null) {
            joinQuietly(t, Duration.ofNanos(Math.max(1_000_000, giveUpAt - System.nanoTime())));
        }
        return gs.drained;
    }

    /**
     * The loop thread did not return in time: it is stuck in user code (a callback that blocks).
     * Close the base from this thread so that shutdown stays bounded; the stuck thread is
     * interrupted and, should it ever come back, finds the base closed and ends.
     */
    private void closeWithoutTheLoop(String during) {
        closeRequested = true;
        Thread t = loopThread();
        StringBuilder where = new StringBuilder();
        if (t != null) {
            for (StackTraceElement e : t.getStackTrace()) {
                where.append("\n\tat ").append(e);
            }
        }
        LoopLog.log(System.Logger.Level.ERROR, "the loop thread '" + (t == null ? "?" : t.getName()) + "' of " + this
                + " did not return during " + during + " (a callback blocks?); closing the base without it. It was at:"
                + where);
        // The stuck thread holds the selector's lock (callbacks run inside select), so
        // Selector.close() would wait for it: close the selector on a thread of its own.
        closeResources(false);
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
    }

    private void begin(GracefulShutdown gs) {
        if (shutdown != null) {
            gs.drained = true;
            gs.done.countDown();
            return;
        }
        shutdown = gs;
        for (ConnectionListener l : listeners) {
            l.disable();
        }
        for (BufferEvent bev : liveEvents) {
            bev.startShutdownFlush();
        }
        schedule(new TimerHeap.Timer(() -> { }), Math.max(0, gs.deadline - clock.getAsLong()));
        gs.check();
    }

    /** Loop-thread state of a graceful shutdown under way. */
    private final class GracefulShutdown {
        final long deadline;
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean drained;

        GracefulShutdown(long deadline) {
            this.deadline = deadline;
        }

        void check() {
            long pendingBytes = 0;
            int pendingEvents = 0;
            for (BufferEvent bev : liveEvents) {
                if (bev.shutdownFlushPending()) {
                    pendingEvents++;
                    pendingBytes += bev.bufferedOutput();
                }
            }
            boolean expired = clock.getAsLong() - deadline >= 0;
            if (pendingEvents > 0 && !expired) {
                return;
            }
            drained = pendingEvents == 0;
            if (!drained) {
                LoopLog.log(System.Logger.Level.WARNING, "graceful shutdown timed out: " + pendingBytes
                        + " bytes of pending output in " + pendingEvents + " bufferevents are discarded");
            }
            closeRequested = true;
            done.countDown();
        }
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
        closeRequested = true;
        if (inLoopThread()) {
            return; // loop() closes the resources on its way out
        }
        wakeup();
        Thread t;
        synchronized (lifecycleLock) {
            t = managedThread;
        }
        if (t != null) {
            joinQuietly(t, CLOSE_WAIT);
        } else if (!running.get()) {
            closeResources();
            return;
        } else {
            // Another thread runs dispatch(): it closes the resources when its loop returns, which
            // the wakeup above makes happen after the callback running now. Wait for it, as for
            // the managed thread, so the base is closed when close() returns.
            awaitQuietly(closedLatch, CLOSE_WAIT);
        }
        if (!closed) {
            closeWithoutTheLoop("close()");
        }
    }

    private void closeResources() {
        closeResources(true);
    }

    private void closeResources(boolean closeSelectorHere) {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long discarded = 0;
        int withOutput = 0;
        for (BufferEvent bev : liveEvents) {
            long pending = bev.bufferedOutput();
            if (pending > 0) {
                discarded += pending;
                withOutput++;
            }
            bev.onBaseClosed();
        }
        for (ConnectionListener l : listeners) {
            l.onBaseClosed();
        }
        if (discarded > 0) {
            LoopLog.log(System.Logger.Level.WARNING, "EventBase closed with " + discarded + " bytes of pending output in "
                    + withOutput + " bufferevents; they are discarded (use flush(Ev.WRITE, BevFlush.FINISHED) or shutdownGracefully)");
        }
        liveEvents.clear();
        listeners.clear();
        int dropped = pendingTasks.getAndSet(0);
        tasks.clear();
        if (dropped > 0) {
            LoopLog.log(System.Logger.Level.DEBUG, dropped + " tasks were pending when the EventBase closed");
        }
        if (closeSelectorHere) {
            closeSelector();
        } else {
            Thread closer = new Thread(this::closeSelector, threadName + "-selector-closer");
            closer.setDaemon(true);
            closer.start();
        }
        registeredChannels = 0;
        List<Runnable> hooks;
        synchronized (lifecycleLock) {
            hooks = new ArrayList<>(closeHooks);
            closeHooks.clear();
        }
        for (Runnable hook : hooks) {
            runSafely(hook, "close hook");
        }
        GracefulShutdown gs = shutdown;
        if (gs != null) {
            gs.done.countDown();
        }
        closedLatch.countDown();
    }

    private void closeSelector() {
        try {
            selector.close();
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.WARNING, "closing the selector failed", e);
        }
    }

    /** Whether {@link #close()} has completed. Any thread. */
    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ statistics (any thread)

    /** Loop turns completed so far. */
    public long turns() {
        return turns;
    }

    /** Duration of the last completed turn, in nanoseconds. */
    public long lastTurnNanos() {
        return lastTurnNanos;
    }

    /** Duration of the longest turn so far, in nanoseconds. */
    public long longestTurnNanos() {
        return longestTurnNanos;
    }

    /**
     * How long the turn in progress has run, in nanoseconds, or 0 when the loop is waiting in
     * the selector (or not running). A watchdog uses this to detect a callback blocking the loop.
     */
    public long currentTurnNanos() {
        long start = turnStartNanos;
        return start == 0 ? 0 : Math.max(0, System.nanoTime() - start);
    }

    /** Tasks handed over with {@link #execute} and not yet run. */
    public int pendingTasks() {
        return pendingTasks.get();
    }

    /** Channels registered with the selector (bufferevents and listeners). */
    public int registeredChannels() {
        return registeredChannels;
    }

    /** Bufferevents created on this base and not yet freed. */
    public int liveBufferEvents() {
        return liveEvents.size();
    }

    /** Sum of the input buffers of the live bufferevents, in bytes (a snapshot). */
    public long bufferedInputBytes() {
        long sum = 0;
        for (BufferEvent bev : liveEvents) {
            sum += bev.bufferedInput();
        }
        return sum;
    }

    /** Sum of the output buffers of the live bufferevents, in bytes (a snapshot). */
    public long bufferedOutputBytes() {
        long sum = 0;
        for (BufferEvent bev : liveEvents) {
            sum += bev.bufferedOutput();
        }
        return sum;
    }

    /** The live bufferevents (a snapshot copy), for diagnostics. */
    public List<BufferEvent> liveBufferEventList() {
        return new ArrayList<>(liveEvents);
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
        SelectionKey key;
        try {
            key = channel.register(selector, 0, handler);
        } catch (java.nio.channels.CancelledKeyException e) {
            // The channel's previous key (a freed bufferevent without CLOSE_ON_FREE) is still
            // cancelled-but-registered: flush the cancelled set, then register again.
            releaseCancelledKeys();
            key = channel.register(selector, 0, handler);
        }
        registeredChannels++;
        return key;
    }

    void interest(SelectionKey key, int oldOps, int newOps) {
        if (oldOps == newOps) {
            return;
        }
        if (oldOps == 0) {
            activeRegistrations++;
        } else if (newOps == 0) {
            activeRegistrations--;
        }
        if (key.isValid()) {
            key.interestOps(newOps);
        }
    }

    void deregister(SelectionKey key, int currentOps) {
        if (currentOps != 0) {
            activeRegistrations--;
        }
        key.cancel();
        keysCancelled = true;
        registeredChannels--;
        if (!running.get()) {
            // No loop runs, so no select will come soon to deregister the key, and NIO keeps a
            // registered channel's socket open until then even after close(): a freed listener
            // would go on accepting into its backlog. Deregister now (libevent closes at once).
            try {
                releaseCancelledKeys();
            } catch (UncheckedIOException e) {
                LoopLog.log(System.Logger.Level.WARNING, "releasing a cancelled key failed", e);
            }
        }
    }

    private void releaseCancelledKeys() {
        if (!keysCancelled || closed) {
            return;
        }
        keysCancelled = false;
        try {
            selector.selectNow(key -> { });
        } catch (java.nio.channels.ClosedSelectorException e) {
            // closed meanwhile by close() on another thread: every key is gone anyway
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void queueDeferred(BufferEvent bev) {
        deferredQueue.add(bev);
    }

    void queueFlush(BufferEvent bev) {
        flushQueue.add(bev);
    }

    void addLive(BufferEvent bev) {
        liveEvents.add(bev);
    }

    void removeLive(BufferEvent bev) {
        liveEvents.remove(bev);
    }

    void addListener(ConnectionListener l) {
        listeners.add(l);
    }

    void removeListener(ConnectionListener l) {
        listeners.remove(l);
    }

    boolean shuttingDown() {
        return shutdown != null;
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

    private static void awaitUntil(CountDownLatch latch, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        try {
            if (left > 0) {
                latch.await(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread t, Duration timeout) {
        try {
            t.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
