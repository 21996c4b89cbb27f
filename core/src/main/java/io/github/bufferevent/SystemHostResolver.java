package io.github.bufferevent;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Holder of the shared pool behind {@link HostResolver#system()}. */
final class SystemHostResolver {

    static final HostResolver INSTANCE = HostResolver.using(newPool());

    private SystemHostResolver() {
    }

    private static ThreadPoolExecutor newPool() {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "bufferevent-resolver-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
