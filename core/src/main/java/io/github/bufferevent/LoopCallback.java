package io.github.bufferevent;

/**
 * What the loop calls back, after the turn's I/O, on something that queued itself with
 * {@link EventBase#queueDeferred} or {@link EventBase#queueFlush}: the two slots let the base
 * schedule deferred callbacks and end-of-turn flushes without naming any bufferevent backend.
 * An abstract class rather than an interface so that the slots stay package-private.
 *
 * <p>Threads: the loop calls both on its own thread only.
 */
abstract class LoopCallback {

    /** Runs the callbacks deferred since it was queued with {@link EventBase#queueDeferred}. */
    abstract void runDeferred();

    /** Writes the output queued with {@link EventBase#queueFlush}; runs at the end of the turn. */
    abstract void flushQueued();
}
