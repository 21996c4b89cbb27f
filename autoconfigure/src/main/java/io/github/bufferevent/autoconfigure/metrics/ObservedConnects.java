package io.github.bufferevent.autoconfigure.metrics;

import io.github.bufferevent.BufferEvent;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connects and TLS handshakes of one client as Micrometer Observations ({@code bufferevent.connect},
 * {@code bufferevent.tls.handshake}; exchanges open and stop theirs here too), so a trace shows them as spans: started when the attempt (or
 * the handshake) starts, stopped with its outcome. Low-cardinality key values only: client and
 * outcome (never an address). One allocation per connect, none per message. Loop thread (the
 * instrumentation's threads); the maps tolerate any.
 */
final class ObservedConnects {

    private final String client;
    private final ObservationRegistry registry;
    private final Map<BufferEvent, Observation> connects = new ConcurrentHashMap<>();
    private final Map<BufferEvent, Observation> handshakes = new ConcurrentHashMap<>();

    ObservedConnects(String client, ObservationRegistry registry) {
        this.client = client;
        this.registry = registry;
    }

    void connectStarted(BufferEvent bev) {
        start(connects, bev, BufferEventMeters.CONNECT_OBSERVATION, "bufferevent connect ");
    }

    void connectEnded(BufferEvent bev, String outcome, Throwable error) {
        stop(connects.remove(bev), outcome, error);
    }

    void handshakeStarted(BufferEvent bev) {
        start(handshakes, bev, BufferEventMeters.TLS_HANDSHAKE_OBSERVATION, "bufferevent tls handshake ");
    }

    void handshakeEnded(BufferEvent bev, String outcome, Throwable error) {
        stop(handshakes.remove(bev), outcome, error);
    }

    /** The bufferevent was freed: what it left open ends as "closed". */
    void freed(BufferEvent bev) {
        stop(connects.remove(bev), "closed", null);
        stop(handshakes.remove(bev), "closed", null);
    }

    private void start(Map<BufferEvent, Observation> open, BufferEvent bev, String name, String contextualPrefix) {
        stop(open.put(bev, open(name, contextualPrefix)), "closed", null);
    }

    /** A started Observation of this client named {@code name} (exchanges use it too). */
    Observation open(String name, String contextualPrefix) {
        return Observation.createNotStarted(name, registry).contextualName(contextualPrefix + client)
                .lowCardinalityKeyValue(BufferEventMeters.TAG_CLIENT, client).start();
    }

    /** Ends {@code o} (null: nothing) with its outcome, and the error if there was one. */
    static void stop(Observation o, String outcome, Throwable error) {
        if (o == null) {
            return;
        }
        o.lowCardinalityKeyValue(BufferEventMeters.TAG_OUTCOME, outcome);
        if (error != null) {
            o.error(error);
        }
        o.stop();
    }
}
