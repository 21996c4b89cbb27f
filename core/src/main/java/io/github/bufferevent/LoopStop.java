package io.github.bufferevent;

/**
 * Why the loop of one {@link EventBase} stops: libevent's break and exit requests, the request to
 * close, and what the last loop ended for ({@code event_base_got_break()}, {@code _got_exit()}).
 * {@link #takeStopRequest()} is the loop's one stop check.
 *
 * <p>Threads: {@link #requestBreak()}, {@link #requestClose()}, {@link #stopping()} and the
 * getters from any thread; {@link #requestExit()} and {@link #takeStopRequest()} on the loop
 * thread; {@link #reset()} on the thread claiming the loop, before anyone can see it running.
 */
final class LoopStop {

    private volatile boolean breakRequested;
    private volatile boolean closeRequested;
    private volatile boolean gotExit;
    private volatile boolean gotBreak;
    private boolean exitRequested;

    /**
     * Called when a loop is claimed, before anyone can see it running. As libevent: a break
     * asked for while no loop ran is forgotten, and so is an exit that fired in the previous
     * loop after that loop had already decided to stop (for a break).
     */
    void reset() {
        gotExit = false;
        gotBreak = false;
        breakRequested = false;
        exitRequested = false;
    }

    void requestBreak() {
        breakRequested = true;
    }

    void requestExit() {
        exitRequested = true;
    }

    /** The base is to close: the loop stops like on a break, and the base closes once it returned. Never cleared. */
    void requestClose() {
        closeRequested = true;
    }

    boolean closeRequested() {
        return closeRequested;
    }

    /** Whether a break or a close asks the loop to run no further callback. */
    boolean stopping() {
        return breakRequested || closeRequested;
    }

    /**
     * The loop's stop check: whether a break, a close or an exit asks it to return. Takes the
     * requests, recording them for {@link #gotBreak()} and {@link #gotExit()} (libevent reports
     * both when both fired).
     */
    boolean takeStopRequest() {
        boolean stop = false;
        if (breakRequested || closeRequested) {
            breakRequested = false;
            gotBreak = true;
            stop = true;
        }
        if (exitRequested) {
            exitRequested = false;
            gotExit = true;
            stop = true;
        }
        return stop;
    }

    boolean gotBreak() {
        return gotBreak;
    }

    boolean gotExit() {
        return gotExit;
    }
}
