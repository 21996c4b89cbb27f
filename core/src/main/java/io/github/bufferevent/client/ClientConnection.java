package io.github.bufferevent.client;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
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
            scheduleFailbackProbe();
        }
    }

    /** Loop thread: this connection's bufferevent ended (error, EOF, timeout, or a framing failure). */
    void lose(int events, Throwable cause) {
        BufferEvent b = bev;
        boolean wasConnected = phase == Phase.CONNECTED;
        long unsent = b == null ? 0 : b.bufferedOutput();
        if (b != null) {
            b.free();
        }
        bev = null;
        published = null;
        failWaiters(cause);
        ended(events, cause, unsent, wasConnected);
    }

    /** The base freed the bufferevent without an event (it closed): fail what waits, end. */
    void freedWithoutEvent(BufferEvent b) {
        if (b != bev) {
            return;
        }
        boolean wasConnected = phase == Phase.CONNECTED;
        bev = null;
        published = null;
        failWaiters(new IllegalStateException("the event base closed"));
        phase = Phase.CLOSED;
        connectedSince = null;
        client.connectionGone(wasConnected);
    }

    private void failWaiters(Throwable cause) {
        int n = waiters.size();
        if (n == 0) {
            return;
        }
        DisconnectedException lost = new DisconnectedException("connection " + index + " of client '" + client.name() + "' to "
                + target + " was lost with " + (n - expired) + " exchanges in flight"
                + (cause == null ? "" : ": " + cause), cause);
        Request r;
        while ((r = waiters.poll()) != null) {
            if (!r.expired) {
                client.complete(r, null, lost);
            }
        }
        client.released(n);
        expired = 0;
        inFlight = 0;
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
        if (probing) {
            return;
        }
        probing = true;
        client.base.once(client.backoff.initial, this::probeFirstAddress);
    }

    private void probeFirstAddress() {
        probing = false;
        if (phase != Phase.CONNECTED || addressIndex == 0 || client.closing()) {
            return;
        }
        InetSocketAddress first = client.addresses.get(0);
        try {
            BufferEvent probe = client.factory.socket();
            probe.setCallbacks(null, null, (p, events) -> {
                p.free();
                if ((events & BevEvent.CONNECTED) != 0) {
                    failbackDue = true;
                    ClientLog.log(Level.INFO, "client '" + client.name() + "': " + describe(first) + " answers again; connection "
                            + index + " moves back to it once its " + waiters.size() + " exchanges in flight are answered");
                    maybeFailBack();
                } else {
                    scheduleFailbackProbe();
                }
            });
            probe.connectHostname(first.getHostString(), first.getPort());
        } catch (Exception e) {
            scheduleFailbackProbe();
        }
    }

    /** Moves back to the first address once nothing is in flight or unsent here. */
    private void maybeFailBack() {
        BufferEvent b = bev;
        if (!failbackDue || phase != Phase.CONNECTED || !waiters.isEmpty() || b == null || b.bufferedOutput() > 0) {
            return;
        }
        failbackDue = false;
        b.free();
        bev = null;
        published = null;
        connectedSince = null;
        addressIndex = 0;
        attempt = 0;
        phase = Phase.CONNECTING;
        client.connectionDown(this, 0, null, 0, false);
        attempt();
    }

    // ------------------------------------------------------------------ data

    boolean takesRequests() {
        return phase == Phase.CONNECTED && !failbackDue && bev != null;
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
            if (r.reply != null) {
                client.complete(r, null, e); // the framing refused it, before adding anything
            }
            if (r.isExchange()) {
                client.released(1);
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
                    client.complete(head, null, e);
                    client.released(1);
                }
                ClientLog.log(Level.WARNING, "client '" + client.name() + "' closes connection " + index + " to " + target
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
        } else {
            client.complete(r, frame, null);
        }
        inFlight = waiters.size() - expired;
        if (failbackDue && waiters.isEmpty()) {
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
            client.complete(r, null, client.replyTimeout(r, target));
        }
        inFlight = waiters.size() - expired;
    }

    // ------------------------------------------------------------------ closing

    /** Loop thread: the client closes. Drain what was written, then the peer's EOF ends it. */
    void close() {
        BufferEvent b = bev;
        if (phase == Phase.CONNECTED && b != null) {
            try {
                b.flush(Ev.WRITE, BevFlush.FINISHED);
            } catch (IllegalStateException freed) {
                phase = Phase.CLOSED;
            }
            return;
        }
        if (b != null) {
            b.free();
            bev = null;
            published = null;
        }
        phase = Phase.CLOSED;
    }

    static String describe(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
