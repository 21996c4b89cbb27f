package io.github.bufferevent;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the TLS bufferevents of one {@link EventBase} run the work that must not run on its loop:
 * {@code SSLEngine.getDelegatedTask()} (certificate checks, key exchange, signatures) and the
 * client's first flight. On the executor given to {@link EventBase.Builder#delegatedTaskExecutor},
 * or else on a small pool made on first use: daemon threads named after the loop thread, at most
 * {@link #MAX_THREADS}, idle ones ending after 30 s, shut down (running tasks finish) when the base
 * closes. An executor given by the user is never shut down here. Any thread.
 */
final class DelegatedTasks {

    /** Threads of the base's own pool: a handshake's work is short, and the loop wants a core. */
    static final int MAX_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private final EventBase base;
    private final Executor given;
    private final String threadName;
    private ThreadPoolExecutor own;
    private boolean closed;

    DelegatedTasks(EventBase base, Executor given, String threadName) {
        this.base = base;
        this.given = given;
        this.threadName = threadName;
    }

    /**
     * Runs {@code task} off the loop.
     *
     * @throws RejectedExecutionException if the base's pool is shut down or the given executor refuses
     */
    void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        executor().execute(task);
    }

    private synchronized Executor executor() {
        if (given != null) {
            return given;
        }
        if (closed) {
            throw new RejectedExecutionException("the EventBase is closed");
        }
        if (own == null) {
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, threadName + "-tls-" + count.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            own = pool;
            base.addCloseHook(this::shutdown); // runs at once (closing the pool) if the base closed meanwhile
        }
        return own;
    }

    /** The base closed: the own pool takes no more tasks; those running finish. */
    synchronized void shutdown() {
        closed = true;
        if (own != null) {
            own.shutdown();
        }
    }
}
