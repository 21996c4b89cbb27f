package io.github.bufferevent;

/** What the loop calls when a registered channel is ready. Loop thread only. */
interface IoHandler {

    /** Called with the ready operations of the channel's key; must not throw. */
    void onReady(int readyOps);

    /** The base is closing: release the channel without running any user callback. */
    void onBaseClosed();
}
