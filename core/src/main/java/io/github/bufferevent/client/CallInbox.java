package io.github.bufferevent.client;

import io.github.bufferevent.EventBase;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The client's calls on their way to the loop, in the order they returned: a lock-free queue that
 * one task per batch (not one per call) drains on the loop thread. A call made on the loop thread
 * runs at once, after what other threads handed over before it.
 *
 * <p>Threads: {@link #submit} from any; {@link #drain} on the loop thread; {@link #refuseAll}
 * from whichever thread learns that the loop is gone.
 */
final class CallInbox {

    private final EventBase base;
    private final String clientName;
    /** Loop thread: takes one call. */
    private final Consumer<Request> process;
    /** Any thread: a call that cannot reach the loop leaves the client unsent. */
    private final BiConsumer<Request, RuntimeException> refuse;
    private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;

    CallInbox(EventBase base, String clientName, Consumer<Request> process, BiConsumer<Request, RuntimeException> refuse) {
        this.base = base;
        this.clientName = clientName;
        this.process = process;
        this.refuse = refuse;
    }

    /**
     * Any thread: hands {@code r} to the loop, or processes it now on the loop thread.
     *
     * @throws ExchangeRejectedException for a raw write when the base is closed: nothing written
     *     may be dropped silently, so the caller learns it here (the others fail their future)
     */
    void submit(Request r) {
        if (base.inLoopThread()) {
            drain();
            process.accept(r);
            return;
        }
        queue.offer(r);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                base.execute(drainTask);
            } catch (RejectedExecutionException closed) {
                ExchangeRejectedException why = new ExchangeRejectedException("client '" + clientName + "': the event base is closed");
                refuseAll(why);
                if (r.kind == Request.WRITE) {
                    throw why;
                }
            }
        }
    }

    /** Runs {@code action} now on the loop thread (or while no loop runs), else hands it to the loop. */
    static void runOnLoop(EventBase base, Runnable action) {
        if (base.inLoopThread() || base.loopThread() == null) {
            action.run();
        } else {
            base.execute(action);
        }
    }

    /** Loop thread: processes every call handed over so far, oldest first. */
    void drain() {
        drainScheduled.set(false);
        Request r;
        while ((r = queue.poll()) != null) {
            process.accept(r);
        }
    }

    /** The loop is gone: every call handed over fails with {@code why}. */
    void refuseAll(RuntimeException why) {
        drainScheduled.set(false);
        Request r;
        while ((r = queue.poll()) != null) {
            refuse.accept(r, why);
        }
    }
}
