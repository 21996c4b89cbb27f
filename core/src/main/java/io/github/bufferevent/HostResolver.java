package io.github.bufferevent;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Resolves host names for {@link BufferEvent#connectHostname(String, int)} without blocking the
 * loop thread. {@link #resolve} is called on the loop thread and must return at once; the future
 * may complete on any thread.
 */
@FunctionalInterface
public interface HostResolver {

    /**
     * Starts resolving {@code host}. The future completes with the addresses to try in order
     * (at least one), or exceptionally (typically with an {@link UnknownHostException}).
     */
    CompletableFuture<List<InetAddress>> resolve(String host);

    /**
     * The JDK's resolver ({@link InetAddress#getAllByName}) run on a small shared pool of at most
     * four daemon threads with a bounded queue; idle threads end after 30 seconds.
     */
    static HostResolver system() {
        return SystemHostResolver.INSTANCE;
    }

    /**
     * The JDK's resolver run on the given executor. An executor that refuses the lookup (a full
     * queue, a shut-down pool) yields a failed future, as {@link #resolve} promises, rather than
     * an exception from {@code resolve} itself.
     */
    static HostResolver using(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        return host -> {
            try {
                return CompletableFuture.supplyAsync(() -> lookup(host), executor);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }

    /** Blocking lookup used by the pooled resolvers. */
    private static List<InetAddress> lookup(String host) {
        try {
            return Arrays.asList(InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }
}
