package io.github.bufferevent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The {@link Selector} of one {@link EventBase} and its wakeup protocol: the loop's one select
 * per turn (at once, or asleep until a key is ready, the next timer is due or another thread
 * wakes it), and the bookkeeping of registered channels, interest and cancelled keys.
 *
 * <p>Threads: {@link #wakeup()}, {@link #registeredChannels()} and {@link #close} from any
 * thread; everything else on the loop thread, or while no loop runs.
 */
final class LoopSelector {

    private final Selector selector;
    private final LongSupplier clock;
    private final Consumer<SelectionKey> readyHandler;
    /** Whether something asks the loop not to sleep (a task, a break, a close); read after "asleep" is published. */
    private final BooleanSupplier wakeRequested;
    /**
     * True while the loop is awake (not in, and not about to enter, a blocking select). Producers
     * wake the selector only when they flip it from false to true, so a batch of tasks handed over
     * while the loop sleeps costs one {@code Selector.wakeup()}. See {@link EventBase#execute}.
     */
    private final AtomicBoolean awake = new AtomicBoolean(true);

    private int activeRegistrations;
    private boolean keysCancelled;
    private volatile int registeredChannels;
    private volatile boolean closed;

    LoopSelector(LongSupplier clock, Consumer<SelectionKey> readyHandler, BooleanSupplier wakeRequested) throws IOException {
        this.selector = Selector.open();
        this.clock = clock;
        this.readyHandler = readyHandler;
        this.wakeRequested = wakeRequested;
    }

    /**
     * One select of the loop: hands every ready key to the ready handler. Returns at once when
     * {@code now} or when the first of {@code timers} is due; otherwise sleeps until a key is
     * ready, that timer is due, or {@link #wakeup()}.
     */
    void select(boolean now, TimerHeap timers) {
        try {
            if (now) {
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
                if (wakeRequested.getAsBoolean()) {
                    selector.selectNow(readyHandler);
                } else if (timeoutMillis == 0) {
                    selector.select(readyHandler);
                } else {
                    selector.select(readyHandler, timeoutMillis);
                }
            } finally {
                awake.set(true);
            }
        } catch (ClosedSelectorException e) {
            if (!closed) {
                throw e;
            }
            // closed from another thread while this loop was stuck in a callback: the loop ends now
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.ERROR, "selector failed; the loop goes on", e);
        }
    }

    /** Wakes a sleeping select; does nothing while the loop is awake (once per batch). Any thread. */
    void wakeup() {
        if (awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    SelectionKey register(SelectableChannel channel, IoHandler handler) throws ClosedChannelException {
        SelectionKey key;
        try {
            key = channel.register(selector, 0, handler);
        } catch (CancelledKeyException e) {
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

    /**
     * Cancels {@code key}; the next select deregisters its channel. With {@code noLoopRuns} no
     * select will come soon, and NIO keeps a registered channel's socket open until then even
     * after close(): a freed listener would go on accepting into its backlog. So deregister it
     * now (libevent closes at once).
     */
    void deregister(SelectionKey key, int currentOps, boolean noLoopRuns) {
        if (currentOps != 0) {
            activeRegistrations--;
        }
        key.cancel();
        keysCancelled = true;
        registeredChannels--;
        if (noLoopRuns) {
            try {
                releaseCancelledKeys();
            } catch (UncheckedIOException e) {
                LoopLog.log(System.Logger.Level.WARNING, "releasing a cancelled key failed", e);
            }
        }
    }

    /** Deregisters the channels of cancelled keys now, instead of at the next select. */
    void releaseCancelledKeys() {
        if (!keysCancelled) {
            return;
        }
        keysCancelled = false;
        try {
            selector.selectNow(key -> { });
        } catch (ClosedSelectorException e) {
            // closed meanwhile by close() on another thread: every key is gone anyway
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registered channels with an interest: while there are some, the loop has something to wait for. */
    int activeRegistrations() {
        return activeRegistrations;
    }

    /** Channels registered and not yet deregistered. Any thread. */
    int registeredChannels() {
        return registeredChannels;
    }

    /**
     * Closes the selector, here or, when {@code here} is false, on a thread of its own named after
     * {@code threadName}: a loop thread stuck in a callback holds the selector's lock (callbacks
     * run inside select), so {@code Selector.close()} would wait for it. Any thread.
     */
    void close(boolean here, String threadName) {
        closed = true;
        if (here) {
            closeNow();
        } else {
            Thread closer = new Thread(this::closeNow, threadName + "-selector-closer");
            closer.setDaemon(true);
            closer.start();
        }
        registeredChannels = 0;
    }

    private void closeNow() {
        try {
            selector.close();
        } catch (IOException e) {
            LoopLog.log(System.Logger.Level.WARNING, "closing the selector failed", e);
        }
    }
}
