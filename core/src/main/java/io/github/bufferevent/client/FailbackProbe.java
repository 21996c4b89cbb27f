package io.github.bufferevent.client;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EventBase;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * Failback for one connection that is up on a later address: plain connects to the first
 * address, backing off between tries as reconnects do, until one succeeds; then the connection
 * hears that the first address answers again. An answer counts only if the connection still
 * wants it (it may have moved, failed or closed meanwhile).
 *
 * <p>Threads: the loop thread only.
 */
final class FailbackProbe {

    private final BufferEventClient client;
    private final ClientConnection connection;
    private final BufferEventFactory factory;
    private final EventBase base;
    private final Backoff backoff;
    private final InetSocketAddress first;
    private final Runnable probeTask = this::probe;
    private boolean scheduled;
    private int attempt;
    private int generation;
    private BufferEvent probe;

    FailbackProbe(BufferEventClient client, ClientConnection connection, BufferEventFactory factory) {
        this.client = client;
        this.connection = connection;
        this.factory = factory;
        this.base = client.settings.base;
        this.backoff = client.settings.backoff;
        this.first = client.settings.addresses.get(0);
    }

    /** The connection came up on a later address: probing starts over. */
    void start() {
        attempt = 0;
        schedule();
    }

    /** Frees the probe under way, if any; its answer no longer comes. */
    void cancel() {
        BufferEvent p = probe;
        probe = null;
        if (p != null) {
            p.free();
        }
    }

    private void schedule() {
        if (scheduled || client.closing()) {
            return;
        }
        scheduled = true;
        try {
            base.once(Duration.ofNanos(backoff.nextDelayNanos(++attempt)), probeTask);
        } catch (RejectedExecutionException closed) {
            scheduled = false;
        }
    }

    private void probe() {
        scheduled = false;
        if (!connection.wantsFailback()) {
            return;
        }
        int g = ++generation;
        try {
            BufferEvent p = client.settings.transport != null ? client.settings.newBufferEvent(factory, first) : factory.socket();
            probe = p;
            p.setCallbacks(null, null, (b, events) -> answered(b, events, g));
            ClientSettings.connect(p, first);
        } catch (Exception e) {
            schedule();
        }
    }

    private void answered(BufferEvent b, int events, int g) {
        b.free();
        if (probe == b) {
            probe = null;
        }
        if (g != generation || !connection.wantsFailback()) {
            return; // the connection moved, failed or closed meanwhile
        }
        if ((events & BevEvent.CONNECTED) != 0) {
            attempt = 0;
            connection.firstAnswersAgain(first);
        } else {
            schedule();
        }
    }
}
