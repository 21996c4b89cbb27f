package io.github.bufferevent.autoconfigure.actuate;

import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.TlsInfo;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code bufferevents} actuator endpoint: the event loop, each named client and each live
 * bufferevent (state, remote address, enabled directions, buffered and moved bytes, and for TLS the
 * protocol, cipher suite and peer certificate's subject and expiry). Read-only;
 * shows no payload and no secrets. Reads only any-thread snapshots.
 */
@Endpoint(id = "bufferevents")
public class BufferEventsEndpoint {

    private final EventBase base;
    private final BufferEventClients clients;

    BufferEventsEndpoint(EventBase base, BufferEventClients clients) {
        this.base = base;
        this.clients = clients;
    }

    /** The whole report. */
    @ReadOperation
    public BufferEventsReport bufferEvents() {
        Map<BufferEvent, String> owner = new IdentityHashMap<>();
        Map<String, ClientReport> clientReports = new LinkedHashMap<>();
        if (clients != null) {
            for (BufferEventClient c : clients.all()) {
                for (BufferEvent bev : c.bufferEvents()) {
                    owner.put(bev, c.name());
                }
                Throwable error = c.lastError();
                List<ConnectionReport> pool = new ArrayList<>();
                for (BufferEventClient.ConnectionInfo info : c.connections()) {
                    pool.add(new ConnectionReport(info.index(), info.state(), info.target(), address(info.remoteAddress()),
                            info.connectedSince(), info.inFlight(), info.bufferedOutput(), info.reconnectAttempt(),
                            info.tls()));
                }
                clientReports.put(c.name(), new ClientReport(c.state().name(), c.host(), c.port(), c.isConnected(),
                        address(c.remoteAddress()), c.connectedSince(), c.reconnects(), c.reconnectAttempt(), c.pendingBytes(),
                        c.bufferedInput(), c.bufferedOutput(), error == null ? null : error.toString(), c.lastErrorAt(),
                        c.framing() == null ? null : c.framing().toString(), c.exchangesInFlight(), c.isWritable(), pool));
            }
        }
        List<BufferEventReport> events = new ArrayList<>();
        for (BufferEvent bev : base.liveBufferEventList()) {
            int enabled = bev.enabled();
            List<String> directions = new ArrayList<>(2);
            if ((enabled & Ev.READ) != 0) {
                directions.add("READ");
            }
            if ((enabled & Ev.WRITE) != 0) {
                directions.add("WRITE");
            }
            Throwable error = bev.socketError();
            events.add(new BufferEventReport(owner.getOrDefault(bev, BufferEventAutoConfiguration.DEFAULT_CLIENT_NAME),
                    bev.isConnected() ? "CONNECTED" : "NOT_CONNECTED", address(bev.remoteAddress()), directions,
                    bev.bufferedInput(), bev.bufferedOutput(), bev.totalRead(), bev.totalWritten(), bev.connectedSince(),
                    error == null ? null : error.toString(),
                    bev.sslEngine() != null && bev.isConnected() ? TlsInfo.of(bev.sslEngine().getSession()) : null));
        }
        Thread loop = base.loopThread();
        LoopReport loopReport = new LoopReport(loop == null ? null : loop.getName(), loop != null && loop.isAlive() && !base.isClosed(),
                base.turns(), base.lastTurnNanos() / 1_000, base.longestTurnNanos() / 1_000, base.pendingTasks(),
                base.registeredChannels(), base.liveBufferEvents(), base.bufferedInputBytes(), base.bufferedOutputBytes());
        return new BufferEventsReport(loopReport, clientReports, events);
    }

    private static String address(SocketAddress a) {
        return a == null ? null : a.toString();
    }

    /** The endpoint's answer. */
    public record BufferEventsReport(LoopReport eventBase, Map<String, ClientReport> clients, List<BufferEventReport> bufferEvents) {
    }

    /** The event loop. */
    public record LoopReport(String thread, boolean alive, long turns, long lastTurnMicros, long longestTurnMicros, int pendingTasks,
            int registeredChannels, int liveBufferEvents, long bufferedInputBytes, long bufferedOutputBytes) {
    }

    /** One named client. */
    public record ClientReport(String state, String host, int port, boolean connected, String remoteAddress, Instant connectedSince,
            long reconnects, int reconnectAttempt, long pendingBytes, long bufferedInputBytes, long bufferedOutputBytes,
            String lastError, Instant lastErrorAt, String framing, int exchangesInFlight, boolean writable,
            List<ConnectionReport> connections) {
    }

    /** One pooled connection of a client: the address it uses, its peer, its requests in flight. */
    public record ConnectionReport(int index, String state, String target, String remoteAddress, Instant connectedSince,
            int inFlight, long bufferedOutputBytes, int reconnectAttempt, TlsInfo tls) {
    }

    /** One live bufferevent. */
    public record BufferEventReport(String client, String state, String remoteAddress, List<String> enabled,
            long bufferedInputBytes, long bufferedOutputBytes, long bytesRead, long bytesWritten, Instant connectedSince,
            String lastError, TlsInfo tls) {
    }
}
