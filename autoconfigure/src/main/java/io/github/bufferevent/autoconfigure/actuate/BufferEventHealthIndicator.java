package io.github.bufferevent.autoconfigure.actuate;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.autoconfigure.EventLoopWatchdog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code bufferevent} health contributor: DOWN when the loop thread is dead or one turn has
 * been running longer than {@code bufferevent.health.stuck-threshold}; a {@code clients} entry per
 * named client (connected, state, reconnect attempt, last error). A disconnected client makes the
 * whole contributor DOWN only with {@code bufferevent.health.client-down-is-down=true}. Reads
 * only any-thread snapshots.
 */
public final class BufferEventHealthIndicator implements HealthIndicator {

    private final EventBase base;
    private final BufferEventClients clients;
    private final EventLoopWatchdog watchdog;
    private final long stuckNanos;
    private final boolean clientDownIsDown;

    BufferEventHealthIndicator(EventBase base, BufferEventClients clients, EventLoopWatchdog watchdog, Duration stuckThreshold,
            boolean clientDownIsDown) {
        this.base = base;
        this.clients = clients;
        this.watchdog = watchdog;
        this.stuckNanos = stuckThreshold.toNanos();
        this.clientDownIsDown = clientDownIsDown;
    }

    @Override
    public Health health() {
        Thread loop = base.loopThread();
        boolean alive = loop != null && loop.isAlive() && !base.isClosed();
        long turnNanos = base.currentTurnNanos();
        boolean stuck = alive && turnNanos > stuckNanos;
        Map<String, Object> loopDetails = new LinkedHashMap<>();
        loopDetails.put("thread", loop == null ? null : loop.getName());
        loopDetails.put("alive", alive);
        loopDetails.put("currentTurnMillis", TimeUnit.NANOSECONDS.toMillis(turnNanos));
        loopDetails.put("longestTurnMillis", TimeUnit.NANOSECONDS.toMillis(base.longestTurnNanos()));
        loopDetails.put("turns", base.turns());
        loopDetails.put("pendingTasks", base.pendingTasks());
        loopDetails.put("registeredChannels", base.registeredChannels());
        if (watchdog != null) {
            loopDetails.put("blockedTurns", watchdog.blockedTurns());
        }
        Map<String, Object> clientDetails = new LinkedHashMap<>();
        boolean allConnected = true;
        if (clients != null) {
            for (BufferEventClient c : clients.all()) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("connected", c.isConnected());
                d.put("state", c.state().name());
                d.put("target", c.host() + ":" + c.port());
                d.put("reconnectAttempt", c.reconnectAttempt());
                d.put("exchangesInFlight", c.exchangesInFlight());
                List<Map<String, Object>> pool = new ArrayList<>();
                for (BufferEventClient.ConnectionInfo info : c.connections()) {
                    Map<String, Object> conn = new LinkedHashMap<>();
                    conn.put("state", info.state());
                    conn.put("target", info.target());
                    conn.put("remoteAddress", info.remoteAddress() == null ? null : info.remoteAddress().toString());
                    conn.put("inFlight", info.inFlight());
                    pool.add(conn);
                }
                d.put("connections", pool);
                Throwable error = c.lastError();
                d.put("lastError", error == null ? null : error.toString());
                clientDetails.put(c.name(), d);
                allConnected &= c.isConnected() || c.state() == BufferEventClient.State.STOPPED;
            }
        }
        Health.Builder health;
        if (!alive) {
            health = Health.down().withDetail("reason", "the event loop thread is not running");
        } else if (stuck) {
            health = Health.down().withDetail("reason", "the event loop has been stuck in one turn for "
                    + TimeUnit.NANOSECONDS.toMillis(turnNanos) + " ms");
        } else if (clientDownIsDown && !allConnected) {
            health = Health.down().withDetail("reason", "a client is disconnected");
        } else {
            health = Health.up();
        }
        return health.withDetail("eventBase", loopDetails).withDetail("clients", clientDetails).build();
    }
}
