package io.github.bufferevent.demo;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.autoconfigure.metrics.BufferEventMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/stats}: the starter's meters per client, read from the application's own
 * {@link MeterRegistry}, in the shape the dashboard charts (counters are totals; the page turns
 * them into rates).
 */
@RestController
class StatsController {

    private final MeterRegistry registry;
    private final BufferEventClients clients;
    private final EventBase base;

    private final StatsTotals totals;

    StatsController(MeterRegistry registry, BufferEventClients clients, EventBase base, StatsTotals totals) {
        this.registry = registry;
        this.clients = clients;
        this.base = base;
        this.totals = totals;
    }

    @GetMapping("/api/stats")
    Map<String, Object> stats() {
        Map<String, Object> out = new LinkedHashMap<>();
        StatsTotals.Sample now = totals.now();
        out.put("timeMillis", now.timeMillis());
        out.put("totals", now);
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put("turns", base.turns());
        loop.put("pendingTasks", base.pendingTasks());
        loop.put("longestTurnMicros", base.longestTurnNanos() / 1000);
        loop.put("blocked", counter(BufferEventMeters.BLOCKED));
        out.put("eventBase", loop);
        Map<String, Object> perClient = new LinkedHashMap<>();
        for (BufferEventClient c : clients.all()) {
            String n = c.name();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("state", c.state().name());
            m.put("connects", tagged(BufferEventMeters.CONNECTS, n, BufferEventMeters.TAG_OUTCOME));
            m.put("errors", tagged(BufferEventMeters.ERRORS, n, BufferEventMeters.TAG_KIND));
            m.put("disconnects", tagged(BufferEventMeters.DISCONNECTS, n, BufferEventMeters.TAG_REASON));
            m.put("bytesRead", totals.count(BufferEventMeters.BYTES, n, BufferEventMeters.TAG_DIRECTION, "read"));
            m.put("bytesWritten", totals.count(BufferEventMeters.BYTES, n, BufferEventMeters.TAG_DIRECTION, "written"));
            m.put("bufferedInput", totals.level(n, "input"));
            m.put("bufferedOutput", totals.level(n, "output"));
            m.put("pendingBytes", c.pendingBytes());
            Gauge active = registry.find(BufferEventMeters.CONNECTIONS_ACTIVE).tag(BufferEventMeters.TAG_CLIENT, n).gauge();
            m.put("active", active == null ? 0 : (long) active.value());
            perClient.put(n, m);
        }
        out.put("clients", perClient);
        return out;
    }

    private long counter(String name) {
        Counter c = registry.find(name).counter();
        return c == null ? 0 : (long) c.count();
    }

    private Map<String, Long> tagged(String name, String client, String tag) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (Counter c : registry.find(name).tag(BufferEventMeters.TAG_CLIENT, client).counters()) {
            values.put(c.getId().getTag(tag), (long) c.count());
        }
        return values;
    }
}
