package io.github.bufferevent.client;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.internal.SafeLogger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One connection of a {@link BufferEventClient}'s pool: its bufferevent, the exchanges on its
 * wire in order (replies match them first in, first out), its reply timer, and its own
 * reconnecting: addresses tried in order, moving on at once after a failed attempt, backing off
 * after a whole round failed, and (with failback) moving back to the first address once it
 * answers again.
 *
 * <p>Threads: the loop thread only, except the volatile snapshots read by the getters.
 */
final class ClientConnection {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent.client");

    enum Phase { IDLE, CONNECTING, CONNECTED, BACKOFF, CLOSED }

    private final BufferEventClient client;
    final int index;
    private final BufferEvent.ReadCallback readCallback = this::onRead;
    private final BufferEvent.WriteCallback writeCallback = this::onDrained;
    private final BufferEvent.EventCallback eventCallback = this::onEvent;
    private final Runnable replyTimer = this::onReplyTimer;
    private final Runnable attemptTask = this::attempt;

    volatile Phase phase = Phase.IDLE;
    private BufferEvent bev;
    volatile BufferEvent published;
    /** Exchanges written on this connection, oldest first; the first {@link #expired} timed out. */
    private final ArrayDeque<Request> waiters = new ArrayDeque<>();
    private int expired;
    private boolean timerArmed;
    private int addressIndex;
    volatile int attempt;
    private boolean probing;
    private int probeAttempt;
    private int probeGeneration;
    private BufferEvent probe;
    /** The client closes: this connection drains what it has and takes nothing more. */
    private boolean draining;
    /** Connected to a later address while the first answers again: take no new requests, move when idle. */
    boolean failbackDue;
    volatile int inFlight;
    volatile SocketAddress remoteAddress;
    volatile Instant connectedSince;
    volatile String target;

    ClientConnection(BufferEventClient client, int index) {
        this.client = client;
        this.index = index;
        this.target = describe(client.addresses.get(0));
    }

    // ------------------------------------------------------------------ connecting

    void start() {
        if (phase == Phase.IDLE || phase == Phase.BACKOFF) {
            attempt();
        }
    }

    private void attempt() {
        if (client.closing() || (phase != Phase.IDLE && phase != Phase.BACKOFF && phase != Phase.CONNECTING)) {
            return;
        }
        phase = Phase.CONNECTING;
        InetSocketAddress address = client.addresses.get(addressIndex);
        target = describe(address);
        BufferEvent b = null;
        try {
            b = client.factory.socket();
            for (Consumer<BufferEvent> c : client.configurers) {
                c.accept(b);
            }
            b.setCallbacks(readCallback, writeCallback, eventCallback);
            // The write callback runs once the output drains to the low water mark: writable again.
            b.setWatermark(Ev.WRITE, client.writeBufferLowWaterMark, 0);
            b.enable(Ev.READ);
            bev = b;
            published = b;
            b.connectHostname(address.getHostString(), address.getPort());
        } catch (Exception e) {
            bev = null;
            published = null;
            if (b != null) {
                b.free();
            }
            ended(BevEvent.ERROR, e, 0, false);
        }
    }

    private void onEvent(BufferEvent b, int events) {
        if (b != bev) {
            b.free();
            return;
        }
        if ((events & BevEvent.CONNECTED) != 0) {
            connected(b);
            return;
        }
        Throwable cause = b.socketError();
        if (cause == null && (events & BevEvent.TIMEOUT) != 0) {
            cause = new TimeoutException(((events & BevEvent.READING) != 0 ? "read" : phase == Phase.CONNECTING ? "connect" : "write")
                    + " timed out");
        }
        lose(events, cause);
    }

    private void connected(BufferEvent b) {
        phase = Phase.CONNECTED;
        remoteAddress = b.remoteAddress();
        connectedSince = Instant.now();
        int failedBefore = attempt;
        attempt = 0;
        client.connectionUp(this, failedBefore);
        if (addressIndex > 0 && client.failback) {
            probeAttempt = 0;
            scheduleFailbackProbe();
        }
    }

    /** Loop thread: this connection's bufferevent ended (error, EOF, timeout, or a framing failure). */
    void lose(int events, Throwable cause) {
        BufferEvent b = bev;
        boolean wasConnected = phase == Phase.CONNECTED;
        long unsent = b == null ? 0 : b.bufferedOutput();
        dropBufferEvent();
        failWaiters(cause);
        ended(events, cause, unsent, wasConnected);
    }

    /** Forgets, then frees, the bufferevent: a free the client did not make itself shows as {@link #freedByOthers}. */
    private void dropBufferEvent() {
        BufferEvent b = bev;
        bev = null;
        published = null;
        if (b != null) {
            b.free();
        }
    }

    /** Loop thread: user code freed this connection's bufferevent; the connection is lost. */
    void freedByOthers(BufferEvent b) {
        if (b == bev && !client.closing()) {
            lose(BevEvent.ERROR, new IllegalStateException("the bufferevent of connection " + index + " was freed by someone else"));
        }
    }

    /** The base closed (on the thread closing it; the loop is over): fail what waits, end. */
    void baseClosed() {
        bev = null;
        published = null;
        failWaiters(new IllegalStateException("the event base closed"));
        phase = Phase.CLOSED;
        connectedSince = null;
        BufferEvent p = probe;
        probe = null;
        if (p != null) {
            p.free();
        }
    }

    private void failWaiters(Throwable cause) {
        int n = waiters.size();
        if (n == 0) {
            return;
        }
        DisconnectedException lost = new DisconnectedException("connection " + index + " of client '" + client.name() + "' to "
                + target + " was lost with " + (n - expired) + " exchanges in flight"
                + (cause == null ? "" : ": " + cause), cause);
        List<Request> failed = new ArrayList<>(waiters);
        waiters.clear();
        expired = 0;
        inFlight = 0;
        client.released(n); // counts settled before any future completes (and runs user code)
        for (Request r : failed) {
            if (!r.expired) {
                client.complete(r, null, lost);
            }
        }
    }

    private void ended(int events, Throwable cause, long unsent, boolean wasConnected) {
        connectedSince = null;
        failbackDue = false;
        if (client.closing()) {
            phase = Phase.CLOSED; // before connectionDown, which ends the client once every connection is closed
        }
        client.connectionDown(this, events, cause, unsent, wasConnected);
        if (client.closing()) {
            phase = Phase.CLOSED;
            return;
        }
        if (!client.backoff.enabled) {
            phase = Phase.IDLE;
            return;
        }
        if (!wasConnected && addressIndex + 1 < client.addresses.size()) {
            addressIndex++; // fail over to the next address at once
            phase = Phase.BACKOFF;
            client.base.execute(attemptTask);
            return;
        }
        addressIndex = 0;
        int n = ++attempt;
        long delay = client.backoff.delayNanos(n, ThreadLocalRandom.current().nextDouble());
        phase = Phase.BACKOFF;
        client.reconnectScheduled(this, wasConnected, n, delay, events, cause);
        try {
            client.base.once(Duration.ofNanos(delay), attemptTask);
        } catch (RejectedExecutionException closed) {
            phase = Phase.CLOSED;
        }
    }

    // ------------------------------------------------------------------ failback

    private void scheduleFailbackProbe() {
        if (probing || client.closing()) {
            return;
        }
        probing = true;
        int n = ++probeAttempt;
        long delay = client.backoff.delayNanos(n, ThreadLocalRandom.current().nextDouble());
        try {
            client.base.once(Duration.ofNanos(delay), this::probeFirstAddress);
        } catch (RejectedExecutionException closed) {
            probing = false;
        }
    }

    private boolean wantsFailback() {
        return phase == Phase.CONNECTED && addressIndex > 0 && !client.closing() && !draining;
    }

    /** Tries a plain connect to the first address; its answer counts only if this connection still wants it. */
    private void probeFirstAddress() {
        probing = false;
        if (!wantsFailback()) {
            return;
        }
        InetSocketAddress first = client.addresses.get(0);
        int generation = ++probeGeneration;
        try {
            BufferEvent p = client.factory.socket();
            probe = p;
            p.setCallbacks(null, null, (b, events) -> {
                b.free();
                if (probe == b) {
                    probe = null;
                }
                if (generation != probeGeneration || !wantsFailback()) {
                    return; // this connection moved, failed or closed meanwhile
                }
                if ((events & BevEvent.CONNECTED) != 0) {
                    probeAttempt = 0;
                    failbackDue = true;
                    LOG.log(Level.INFO, "client '" + client.name() + "': " + describe(first) + " answers again; connection "
                            + index + " moves back to it once its " + load() + " exchanges in flight are answered");
                    maybeFailBack();
                } else {
                    scheduleFailbackProbe();
                }
            });
            p.connectHostname(first.getHostString(), first.getPort());
        } catch (Exception e) {
            scheduleFailbackProbe();
        }
    }

    /**
     * Moves back to the first address once nothing is in flight or unsent here. Exchanges that
     * timed out and still wait for a late reply do not hold it back: the socket closes, so no
     * late reply can reach anyone.
     */
    private void maybeFailBack() {
        BufferEvent b = bev;
        if (!failbackDue || !wantsFailback() || load() > 0 || b == null || b.bufferedOutput() > 0) {
            return;
        }
        failbackDue = false;
        int tombstones = waiters.size();
        waiters.clear();
        expired = 0;
        inFlight = 0;
        client.released(tombstones);
        dropBufferEvent();
        addressIndex = 0;
        attempt = 0;
        phase = Phase.CONNECTING;
        client.connectionDown(this, 0, null, 0, true); // events 0: a planned move, not a disconnect for the handler
        attempt();
    }

    // ------------------------------------------------------------------ data

    boolean takesRequests() {
        return phase == Phase.CONNECTED && !failbackDue && !draining && bev != null;
    }

    int load() {
        return waiters.size() - expired;
    }

    /** Loop thread: puts {@code r} on the wire (its bufferevent's output) and, for an exchange, in line for a reply. */
    void write(Request r) {
        BufferEvent b = bev;
        b.lock();
        try {
            EvBuffer out = b.output();
            if (r.kind == Request.WRITE) {
                out.add(r.data);
            } else {
                client.framing.encode(r.data, out);
            }
        } catch (RuntimeException e) {
            if (r.isExchange()) {
                client.released(1);
            }
            if (r.reply != null) {
                client.complete(r, null, e); // the framing refused it, before adding anything
            }
            return;
        } finally {
            b.unlock();
        }
        if (r.isExchange()) {
            waiters.add(r);
            inFlight = waiters.size() - expired;
            if (r.deadline != 0 && !timerArmed) {
                armReplyTimer(r.deadline);
            }
        } else if (r.reply != null) {
            r.reply.complete(null); // a send: it is on the wire
        }
    }

    private void onRead(BufferEvent b) {
        if (b != bev) {
            return;
        }
        EvBuffer in = b.input();
        if (client.framing == null) {
            client.rawInput(in);
            return;
        }
        while (bev == b) {
            byte[] frame;
            try {
                frame = client.framing.decode(in);
            } catch (RuntimeException e) {
                // Over the limit or garbage: what follows cannot be trusted. The exchange waiting
                // for this reply fails with the cause, the rest as disconnected; reconnect.
                Request head = nextLive();
                if (head != null) {
                    client.released(1);
                    client.complete(head, null, e);
                }
                LOG.log(Level.WARNING, "client '" + client.name() + "' closes connection " + index + " to " + target
                        + ": the reply cannot be decoded (" + e + ")");
                lose(BevEvent.ERROR | BevEvent.READING, e);
                return;
            }
            if (frame == null) {
                return;
            }
            deliver(frame);
        }
    }

    /** Removes and returns the oldest exchange still waiting, dropping timed-out ones before it. */
    private Request nextLive() {
        Request r;
        while ((r = waiters.poll()) != null) {
            if (r.expired) {
                expired--;
                client.released(1);
                continue;
            }
            inFlight = waiters.size() - expired;
            return r;
        }
        return null;
    }

    private void deliver(byte[] frame) {
        if (waiters.isEmpty()) {
            client.unsolicited(frame);
            return;
        }
        Request r = waiters.poll();
        client.released(1);
        if (r.expired) {
            expired--; // the reply of an exchange that timed out: dropped
        }
        inFlight = waiters.size() - expired; // before completing: whoever the reply wakes sees the counts settled
        if (!r.expired) {
            client.complete(r, frame, null);
        }
        if (failbackDue) {
            maybeFailBack();
        }
    }

    private void onDrained(BufferEvent b) {
        if (b == bev) {
            client.checkWritableAgain();
            if (failbackDue) {
                maybeFailBack();
            }
        }
    }

    // ------------------------------------------------------------------ reply timeouts

    private void armReplyTimer(long deadline) {
        timerArmed = true;
        client.base.once(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), replyTimer);
    }

    /**
     * Fails the exchanges whose reply is overdue. They stay in line as tombstones: their replies
     * may still come, and must be matched to them (and dropped), not to the next caller.
     */
    private void onReplyTimer() {
        timerArmed = false;
        long now = System.nanoTime();
        List<Request> due = null;
        Iterator<Request> it = waiters.iterator();
        for (int skip = expired; skip > 0 && it.hasNext(); skip--) {
            it.next();
        }
        while (it.hasNext()) {
            Request r = it.next();
            if (r.deadline == 0) {
                continue;
            }
            if (r.deadline - now > 0) {
                armReplyTimer(r.deadline);
                break;
            }
            r.expired = true;
            expired++;
            if (due == null) {
                due = new ArrayList<>();
            }
            due.add(r);
        }
        inFlight = waiters.size() - expired;
        // Only now complete them: a continuation may call exchange() again and touch the queue.
        if (due != null) {
            for (Request r : due) {
                client.complete(r, null, client.replyTimeout(r, target));
            }
        }
        if (failbackDue) {
            maybeFailBack();
        }
    }

    // ------------------------------------------------------------------ closing

    /** Loop thread: the client closes. Drain what was written, then the peer's EOF ends it. */
    void close() {
        draining = true;
        failbackDue = false;
        BufferEvent p = probe;
        probe = null;
        if (p != null) {
            p.free();
        }
        BufferEvent b = bev;
        if (phase == Phase.CONNECTED && b != null) {
            try {
                b.flush(Ev.WRITE, BevFlush.FINISHED);
            } catch (IllegalStateException freed) {
                dropBufferEvent();
                phase = Phase.CLOSED;
            }
            return;
        }
        dropBufferEvent();
        phase = Phase.CLOSED;
    }

    static String describe(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
