package io.github.bufferevent.autoconfigure.metrics;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventInstrumentation;
import io.github.bufferevent.client.ExchangeListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@link BufferEventInstrumentation} backed by a Micrometer {@link MeterRegistry}: one set of
 * meters per client name (see {@link BufferEventMeters}) and the loop-turn timer. Thread-safe.
 */
public final class MicrometerBufferEventInstrumentation implements BufferEventInstrumentation {

    private final MeterRegistry registry;
    private final ObservationRegistry observations;
    private final Map<String, ClientMeters> clients = new ConcurrentHashMap<>();
    private final Instrumentation loop;

    /** Meters in {@code registry}; no observations. */
    public MicrometerBufferEventInstrumentation(MeterRegistry registry) {
        this(registry, ObservationRegistry.NOOP);
    }

    /**
     * Meters in {@code registry}, and each exchange as an Observation ({@code bufferevent.exchange})
     * in {@code observations} (tracing shows it as a span) unless that is the no-op registry.
     */
    public MicrometerBufferEventInstrumentation(MeterRegistry registry, ObservationRegistry observations) {
        this.registry = registry;
        this.observations = observations;
        Timer turns = Timer.builder(BufferEventMeters.TURN_DURATION)
                .description("Duration of event loop turns (the work done after each selector wake-up)")
                .register(registry);
        this.loop = new Instrumentation() {
            @Override
            public void loopTurn(EventBase base, long nanos) {
                turns.record(nanos, TimeUnit.NANOSECONDS);
            }
        };
    }

    @Override
    public Instrumentation forEventBase() {
        return loop;
    }

    @Override
    public Instrumentation forClient(String name) {
        return meters(name);
    }

    @Override
    public ExchangeListener forExchanges(String name) {
        return meters(name).exchanges();
    }

    @Override
    public void clientCreated(BufferEventClient client) {
        meters(client.name()).bind(client);
    }

    private ClientMeters meters(String name) {
        return clients.computeIfAbsent(name, n -> new ClientMeters(n, registry, observations));
    }

    @Override
    public void clientRemoved(String name) {
        ClientMeters meters = clients.remove(name);
        if (meters != null) {
            meters.remove();
        }
    }
}
