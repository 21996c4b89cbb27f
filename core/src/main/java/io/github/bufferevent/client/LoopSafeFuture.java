package io.github.bufferevent.client;

import io.github.bufferevent.EventBase;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future an exchange returns: a {@link CompletableFuture} that refuses to be waited for on
 * the loop thread, where the reply it waits for would never be read (the loop would wait for
 * itself until the reply timeout, which the same loop must fire). Dependent futures
 * ({@code thenApply} …) behave the same. Completions run on the loop thread: attach slow
 * continuations with the {@code *Async} variants.
 *
 * <p>Threads: any, except waiting ({@code get}, {@code join}) on the loop thread while not done.
 */
final class LoopSafeFuture<T> extends CompletableFuture<T> {

    private final EventBase base;

    LoopSafeFuture(EventBase base) {
        this.base = base;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new LoopSafeFuture<>(base);
    }

    private void checkNotLoop() {
        if (!isDone() && base.inLoopThread()) {
            throw new IllegalStateException("waiting for a reply on the event loop thread would block the loop that reads it; "
                    + "chain the work with thenAccept/whenComplete, or wait on another thread");
        }
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkNotLoop();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        checkNotLoop();
        return super.get(timeout, unit);
    }

    @Override
    public T join() {
        checkNotLoop();
        return super.join();
    }
}
