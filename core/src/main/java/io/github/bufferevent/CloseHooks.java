package io.github.bufferevent;

import java.util.ArrayList;
import java.util.List;

/**
 * The hooks of one {@link EventBase} that run once when it closes ({@link EventBase#addCloseHook}).
 * The base seals them the moment it becomes closed and runs them once it has freed everything; a
 * hook added after the seal is refused, and its caller runs it at once.
 *
 * <p>Threads: any thread.
 */
final class CloseHooks {

    private final List<Runnable> hooks = new ArrayList<>();
    private boolean sealed;

    /** Keeps {@code hook} to run at the close; false if the base is closed already. */
    synchronized boolean add(Runnable hook) {
        if (sealed) {
            return false;
        }
        hooks.add(hook);
        return true;
    }

    synchronized void remove(Runnable hook) {
        hooks.remove(hook);
    }

    /** The base is now closed: no hook is added any more. */
    synchronized void seal() {
        sealed = true;
    }

    /** Runs, on the calling thread, the hooks added before the seal and not removed since. */
    void runAll() {
        List<Runnable> toRun;
        synchronized (this) {
            toRun = new ArrayList<>(hooks);
            hooks.clear();
        }
        for (Runnable hook : toRun) {
            EventBase.runSafely(hook, "close hook");
        }
    }
}
