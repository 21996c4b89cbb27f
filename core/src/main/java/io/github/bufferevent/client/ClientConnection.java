package io.github.bufferevent.client;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.internal.SafeLogger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One connection of a {@link BufferEventClient}'s pool: its bufferevent and its life (connect,
 * lose, reconnect, fail back, drain at close). The exchanges on its wire are
 * {@link InFlightExchanges}; which address it tries and when, {@link AddressRotation}; the probe
 * of the first address while it is on a later one, {@link FailbackProbe}.
 *
 * <p>Threads: the loop thread only, except the volatile snapshots read by the getters.
 */
final class ClientConnection {

    private static final SafeLogger LOG = new SafeLogger("io.github.bufferevent.client");

    enum Phase { IDLE, CONNECTING, CONNECTED, BACKOFF, CLOSED }

    /** A timer may fire this much before its deadline by the clocks' rounding. */
    private static final long TIMER_SLACK_NANOS = 1_000_000;

    private final BufferEventClient client;
    private final ClientSettings settings;
    private final BufferEventFactory factory;
    final int index;
    private final BufferEvent.ReadCallback readCallback = this::onRead;
    private final BufferEvent.WriteCallback writeCallback = this::onDrained;
    private final BufferEvent.EventCallback eventCallback = this::onEvent;
    private final Runnable attemptTask = this::backoffEnded;
    /** When the scheduled attempt is due (the base's nanoTime); an earlier timer left from a superseded backoff does nothing. */
    private long backoffDeadline;
    /** When the last attempt started (the base's nanoTime), for the on-demand rate bound. */
    private long lastAttemptStart;
    /** An on-demand attempt is scheduled at the rate bound. */
    private boolean demandScheduled;
    /** The attempt under way was started by demand. */
    private boolean attemptByDemand;
    /**
     * Demand already shortened the backoff that led to this one: a failed on-demand attempt is
     * followed by a whole backoff, so steady traffic during an outage costs at most two attempts
     * per backoff period (and leaves at most one stale timer), not one per initial backoff.
     */
    private boolean demandSpent;
    private final InFlightExchanges waiters;
    private final AddressRotation rotation;
    private final FailbackProbe probe;

    volatile Phase phase = Phase.IDLE;
    private BufferEvent bev;
    volatile BufferEvent published;
    /** The client closes: this connection drains what it has and takes nothing more. */
    private boolean draining;
    /** Connected to a later address while the first answers again: take no new requests, move when idle. */
    private boolean failbackDue;
    volatile SocketAddress remoteAddress;
    volatile Instant connectedSince;
    /** What the TLS connection that is up agreed on, or null (plain TCP, or down). */
    volatile TlsInfo tls;
    volatile String target;

    ClientConnection(BufferEventClient client, BufferEventFactory factory, int index) {
        this.client = client;
        this.settings = client.settings;
        this.factory = factory;
        this.index = index;
        this.waiters = new InFlightExchanges(client, this::onReplyTimer);
        this.rotation = new AddressRotation(settings.addresses, settings.backoff);
        this.probe = new FailbackProbe(client, this, factory);
        this.target = describe(settings.addresses.get(0));
    }

    // ------------------------------------------------------------------ connecting

    void start() {
        if (phase == Phase.IDLE || phase == Phase.BACKOFF) {
            attemptByDemand = false;
            attempt();
        }
    }

    private void attempt() {
        if (client.closing() || (phase != Phase.IDLE && phase != Phase.BACKOFF && phase != Phase.CONNECTING)) {
            return;
        }
        phase = Phase.CONNECTING;
        lastAttemptStart = settings.base.nanoTime();
        InetSocketAddress address = rotation.current();
        target = describe(address);
        BufferEvent b = null;
        try {
            b = settings.newBufferEvent(factory, address);
            for (Consumer<BufferEvent> c : client.configurers) {
                c.accept(b);
            }
            b.setCallbacks(readCallback, writeCallback, eventCallback);
            // The write callback runs once the output drains to the low water mark: writable again.
            b.setWatermark(Ev.WRITE, settings.writeBufferLowWaterMark, 0);
            b.enable(Ev.READ);
            bev = b;
            published = b;
            ClientSettings.connect(b, address);
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
        attemptByDemand = false;
        demandSpent = false;
        remoteAddress = b.remoteAddress();
        connectedSince = Instant.now();
        tls = b.sslEngine() == null ? null : TlsInfo.of(b.sslEngine().getSession());
        client.events.up(this, rotation.connected());
        if (!rotation.onFirst() && settings.failback) {
            probe.start();
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
        tls = null;
        probe.cancel();
    }

    private void failWaiters(Throwable cause) {
        List<Request> failed = waiters.clear(); // counts settled before any future completes (and runs user code)
        if (failed.isEmpty()) {
            return;
        }
        DisconnectedException lost = new DisconnectedException("connection " + index + " of client '" + client.name() + "' to "
                + target + " was lost with " + failed.size() + " exchanges in flight"
                + (cause == null ? "" : ": " + cause), cause);
        for (Request r : failed) {
            client.router.complete(r, null, lost);
        }
    }

    private void ended(int events, Throwable cause, long unsent, boolean wasConnected) {
        connectedSince = null;
        tls = null;
        failbackDue = false;
        if (client.closing()) {
            phase = Phase.CLOSED; // before connectionDown, which ends the client once every connection is closed
        }
        client.events.down(this, events, cause, unsent, wasConnected);
        if (client.closing()) {
            phase = Phase.CLOSED;
            return;
        }
        if (!settings.backoff.enabled) {
            phase = Phase.IDLE;
            return;
        }
        if (rotation.failOver(wasConnected)) {
            phase = Phase.BACKOFF; // fail over to the next address at once
            backoffDeadline = settings.base.nanoTime();
            settings.base.execute(attemptTask);
            return;
        }
        long delay = rotation.backOff();
        phase = Phase.BACKOFF;
        demandSpent = attemptByDemand;
        attemptByDemand = false;
        backoffDeadline = settings.base.nanoTime() + delay;
        client.events.retryScheduled(this, wasConnected, rotation.attempt(), delay, events, cause);
        try {
            settings.base.once(Duration.ofNanos(delay), attemptTask);
        } catch (RejectedExecutionException closed) {
            phase = Phase.CLOSED;
        }
    }

    /** The backoff timer fired: attempt, unless an on-demand attempt superseded this backoff. */
    private void backoffEnded() {
        boolean byDemand = demandScheduled;
        demandScheduled = false;
        if (phase == Phase.BACKOFF && settings.base.nanoTime() - backoffDeadline >= -TIMER_SLACK_NANOS) {
            attemptByDemand = byDemand;
            attempt();
        }
    }

    /**
     * Loop thread: a write or exchange wants a connection now. Starts the next attempt at once if
     * this connection waits in backoff, its last attempt started at least the initial backoff ago
     * (else at that bound) and demand has not shortened the previous backoff already; the
     * backoff's own timer then does nothing.
     */
    void attemptOnDemand() {
        if (phase != Phase.BACKOFF || client.closing() || demandScheduled || demandSpent) {
            return;
        }
        long now = settings.base.nanoTime();
        long earliest = lastAttemptStart + settings.backoff.initial.toNanos();
        if (earliest - backoffDeadline >= 0) {
            return; // the backoff ends before the rate bound would allow an earlier attempt
        }
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "client '" + client.name() + "' connection " + index + ": a request is waiting, "
                    + "trying " + target + " now instead of at the end of the backoff");
        }
        if (now - earliest >= 0) {
            attemptByDemand = true;
            attempt();
            return;
        }
        // Too soon after the last attempt: the next one comes at the rate bound instead of the backoff's end.
        backoffDeadline = earliest;
        demandScheduled = true;
        try {
            settings.base.once(Duration.ofNanos(earliest - now), attemptTask);
        } catch (RejectedExecutionException closed) {
            phase = Phase.CLOSED;
        }
    }

    // ------------------------------------------------------------------ failback

    /** Whether an answer of the first address would still move this connection there. */
    boolean wantsFailback() {
        return phase == Phase.CONNECTED && !rotation.onFirst() && !client.closing() && !draining;
    }

    /** The probe reached {@code first}: take no new requests, and move once those in flight are answered. */
    void firstAnswersAgain(InetSocketAddress first) {
        failbackDue = true;
        LOG.log(Level.INFO, "client '" + client.name() + "': " + describe(first) + " answers again; connection "
                + index + " moves back to it once its " + load() + " exchanges in flight are answered");
        maybeFailBack();
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
        waiters.clear(); // tombstones only
        dropBufferEvent();
        rotation.backToFirst();
        phase = Phase.CONNECTING;
        client.events.down(this, 0, null, 0, true); // events 0: a planned move, not a disconnect for the handler
        attempt();
    }

    // ------------------------------------------------------------------ data

    boolean takesRequests() {
        return phase == Phase.CONNECTED && !failbackDue && !draining && bev != null;
    }

    int load() {
        return waiters.live();
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
                settings.framing.encode(r.data, out);
            }
        } catch (RuntimeException e) {
            client.router.abandon(r, named(e, FrameTooLongException.Direction.REQUEST)); // refused before adding anything
            return;
        } finally {
            b.unlock();
        }
        if (r.isExchange()) {
            waiters.add(r);
        } else if (r.reply != null) {
            r.reply.complete(null); // a send: it is on the wire
        }
    }

    private void onRead(BufferEvent b) {
        if (b != bev) {
            return;
        }
        EvBuffer in = b.input();
        if (settings.framing == null) {
            client.callbacks.read(in);
            return;
        }
        while (bev == b) {
            byte[] frame;
            try {
                frame = settings.framing.decode(in);
            } catch (RuntimeException thrown) {
                // Over the limit or garbage: what follows cannot be trusted. The exchange waiting
                // for this reply fails with the cause, the rest as disconnected; reconnect.
                RuntimeException e = named(thrown, FrameTooLongException.Direction.REPLY);
                Request head = waiters.nextLive();
                if (head != null) {
                    client.router.abandon(head, e);
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

    private void deliver(byte[] frame) {
        Request r = waiters.answered();
        if (r == null) {
            client.callbacks.frame(frame);
            return;
        }
        if (!r.expired) {
            client.router.complete(r, frame, null); // else the reply of an exchange that timed out: dropped
        }
        if (failbackDue) {
            maybeFailBack();
        }
    }

    private void onDrained(BufferEvent b) {
        if (b == bev) {
            client.held.checkWritableAgain();
            if (failbackDue) {
                maybeFailBack();
            }
        }
    }

    /** Fails the exchanges whose reply is overdue (they stay in line as tombstones). */
    private void onReplyTimer() {
        List<Request> due = waiters.expireOverdue();
        if (due != null) {
            for (Request r : due) {
                client.router.complete(r, null, settings.replyTimedOut(target));
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
        probe.cancel();
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

    /** A snapshot of this connection, for health and diagnostics; any thread. */
    BufferEventClient.ConnectionInfo info() {
        BufferEvent b = published;
        return new BufferEventClient.ConnectionInfo(index, phase.name(), target, remoteAddress, connectedSince, waiters.inFlight(),
                b == null ? 0 : b.bufferedOutput(), rotation.attempt(), tls);
    }

    /** Consecutive failed attempts since this connection was last up; any thread. */
    int failedAttempts() {
        return rotation.attempt();
    }

    /** What a framing threw; a frame over its limit learns its direction, if the framing did not say. */
    private static RuntimeException named(RuntimeException e, FrameTooLongException.Direction d) {
        return e instanceof FrameTooLongException ? ((FrameTooLongException) e).goingIfUnknown(d) : e;
    }

    static String describe(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
