package io.github.bufferevent.client;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Which of the client's addresses a connection tries next, and when: a failed attempt moves on to
 * the next address at once; after a whole round failed (or a connection that was up is lost) it
 * starts again from the first, after a backoff that grows with each failed round.
 *
 * <p>Threads: the loop thread only, except {@link #attempt()} (a volatile snapshot).
 */
final class AddressRotation {

    private final List<InetSocketAddress> addresses;
    private final Backoff backoff;
    private int index;
    private volatile int attempt;

    AddressRotation(List<InetSocketAddress> addresses, Backoff backoff) {
        this.addresses = addresses;
        this.backoff = backoff;
    }

    /** The address to try now. */
    InetSocketAddress current() {
        return addresses.get(index);
    }

    /** Whether the connection is on (or trying) the first address. */
    boolean onFirst() {
        return index == 0;
    }

    /** Consecutive failed attempts since the connection was last up (0 while up). */
    int attempt() {
        return attempt;
    }

    /** The connection is up: returns how many attempts had failed before. */
    int connected() {
        int failedBefore = attempt;
        attempt = 0;
        return failedBefore;
    }

    /** An attempt failed: moves on to the next address if there is one (true: try it at once). */
    boolean failOver(boolean wasConnected) {
        if (!wasConnected && index + 1 < addresses.size()) {
            index++;
            return true;
        }
        return false;
    }

    /** A round failed, or a connection was lost: back to the first address; returns the delay before trying it. */
    long backOff() {
        index = 0;
        return backoff.nextDelayNanos(++attempt);
    }

    /** Failback: the first address answers again; the next attempt goes there, as if nothing had failed. */
    void backToFirst() {
        index = 0;
        attempt = 0;
    }
}
