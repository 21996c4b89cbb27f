package io.github.bufferevent.demo;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.autoconfigure.metrics.BufferEventMeters;
import io.github.bufferevent.client.BufferEventClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

/**
 * The dashboard's totals over all clients at one moment, read from the application's meters:
 * counters are running totals (the page turns two samples into a rate), buffered bytes are levels.
 * Any thread; reads only meters and the clients' any-thread getters.
 */
@Component
class StatsTotals {

    /** One sample: time (server clock), bytes read and written, buffered input and output (pending included), connects, errors, replies. */
    record Sample(long timeMillis, long read, long written, long input, long output, long connects, long errors, long replied) {
    }

    private final MeterRegistry registry;
    private final BufferEventClients clients;

    StatsTotals(MeterRegistry registry, BufferEventClients clients) {
        this.registry = registry;
        this.clients = clients;
    }

    Sample now() {
        long read = 0;
        long written = 0;
        long input = 0;
        long output = 0;
        long connects = 0;
        long errors = 0;
        long replied = 0;
        for (BufferEventClient c : clients.all()) {
            String n = c.name();
            read += count(BufferEventMeters.BYTES, n, BufferEventMeters.TAG_DIRECTION, "read");
            written += count(BufferEventMeters.BYTES, n, BufferEventMeters.TAG_DIRECTION, "written");
            input += level(n, "input");
            output += level(n, "output") + c.pendingBytes();
            for (Counter x : registry.find(BufferEventMeters.CONNECTS).tag(BufferEventMeters.TAG_CLIENT, n).counters()) {
                connects += (long) x.count();
            }
            for (Counter x : registry.find(BufferEventMeters.ERRORS).tag(BufferEventMeters.TAG_CLIENT, n).counters()) {
                errors += (long) x.count();
            }
            Timer ok = registry.find(BufferEventMeters.EXCHANGES).tags(BufferEventMeters.TAG_CLIENT, n, BufferEventMeters.TAG_OUTCOME, "success")
                    .timer();
            replied += ok == null ? 0 : ok.count();
        }
        return new Sample(System.currentTimeMillis(), read, written, input, output, connects, errors, replied);
    }

    /** A client's counter with one more tag, 0 if it has not counted yet (series appear at first use). */
    long count(String name, String client, String tag, String value) {
        Counter c = registry.find(name).tags(BufferEventMeters.TAG_CLIENT, client, tag, value).counter();
        return c == null ? 0 : (long) c.count();
    }

    /** A client's buffered bytes in one direction, 0 before its first bufferevent. */
    long level(String client, String direction) {
        Gauge g = registry.find(BufferEventMeters.BUFFERED_BYTES)
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_DIRECTION, direction).gauge();
        return g == null ? 0 : (long) g.value();
    }
}
