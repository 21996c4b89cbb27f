package io.github.bufferevent.autoconfigure.metrics;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.Instrumentation;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.ExchangeListener;
import io.github.bufferevent.client.ExchangeOutcome;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of one client name. Each series is registered the first time it has something to
 * say (a counter at its first increment, a timer at its first recording, the buffered-bytes and
 * active-connection gauges at the first bufferevent), so a client or factory that was never used,
 * or an outcome that never happened, shows no always-zero series. After that, recording is a
 * volatile read and an increment: no lookup, no allocation. Live bufferevents are tracked for the
 * buffered-bytes gauges, which read only their any-thread snapshots.
 */
final class ClientMeters implements Instrumentation {


    private final String client;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    /** Set by {@link #remove}; read and written under the {@code meters} lock. */
    private boolean removed;
    /** Where meters first used after {@link #remove} go (a registry with no children records nothing); under the lock. */
    private MeterRegistry detached;
    private final Set<BufferEvent> live = ConcurrentHashMap.newKeySet();
    /** Live bufferevents whose connection is established and not yet reported as ended. */
    private final Set<BufferEvent> connected = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final OnFirstUse<Meter> gauges;

    private final OnFirstUse<Counter>[] connects;
    private final OnFirstUse<Timer>[] connectDurations;
    private final OnFirstUse<Counter>[] errors;
    private final OnFirstUse<Timer>[] handshakes;
    private final OnFirstUse<Counter> timeoutErrors;
    private final OnFirstUse<Counter> bytesRead;
    private final OnFirstUse<Counter> bytesWritten;
    private final OnFirstUse<Counter> eofs;
    private final OnFirstUse<Counter> errorDisconnects;
    private final OnFirstUse<Counter> timeoutDisconnects;
    private final OnFirstUse<Counter> closedDisconnects;
    private final OnFirstUse<Counter> readRateLimited;
    private final OnFirstUse<Counter> writeRateLimited;

    private final OnFirstUse<Timer>[] exchangeTimers;
    private final ExchangeListener exchanges;
    /** Connects and handshakes as Observations, or null without tracing. */
    private final ObservedConnects traced;

    @SuppressWarnings("unchecked")
    ClientMeters(String client, MeterRegistry registry, ObservationRegistry observations) {
        this.client = client;
        this.registry = registry;
        exchangeTimers = new OnFirstUse[ExchangeOutcome.values().length];
        for (ExchangeOutcome o : ExchangeOutcome.values()) {
            exchangeTimers[o.ordinal()] = timer(BufferEventMeters.EXCHANGES,
                    "Exchanges (request and reply), from the call to the reply or failure, by outcome", o.tag());
        }
        boolean tracing = observations != null && !observations.isNoop();
        this.traced = tracing ? new ObservedConnects(client, observations) : null;
        this.exchanges = tracing ? new ObservedExchanges() : new TimedExchanges();
        connects = new OnFirstUse[ConnectOutcome.values().length];
        connectDurations = new OnFirstUse[ConnectOutcome.values().length];
        for (ConnectOutcome o : ConnectOutcome.values()) {
            String outcome = o.name().toLowerCase(Locale.ROOT);
            connects[o.ordinal()] = counter(BufferEventMeters.CONNECTS, "Connect attempts that finished, by outcome", null,
                    BufferEventMeters.TAG_OUTCOME, outcome);
            connectDurations[o.ordinal()] = timer(BufferEventMeters.CONNECT_DURATION,
                    "Time from connect start (name resolution included) to its outcome", outcome);
        }
        handshakes = new OnFirstUse[HandshakeOutcome.values().length];
        for (HandshakeOutcome o : HandshakeOutcome.values()) {
            handshakes[o.ordinal()] = timer(BufferEventMeters.TLS_HANDSHAKES,
                    "TLS handshakes, from the transport being connected to their end, by outcome", o.name().toLowerCase(Locale.ROOT));
        }
        errors = new OnFirstUse[ErrorKind.values().length];
        for (ErrorKind k : ErrorKind.values()) {
            errors[k.ordinal()] = error(k.name().toLowerCase(Locale.ROOT));
        }
        timeoutErrors = error("timeout");
        bytesRead = bytes("read");
        bytesWritten = bytes("written");
        eofs = disconnects("eof");
        errorDisconnects = disconnects("error");
        timeoutDisconnects = disconnects("timeout");
        closedDisconnects = disconnects("closed");
        readRateLimited = rateLimitSuspended("read");
        writeRateLimited = rateLimitSuspended("write");
        gauges = new OnFirstUse<>(() -> {
            register(r -> Gauge.builder(BufferEventMeters.BUFFERED_BYTES, live, ClientMeters::sumInput)
                    .description("Bytes buffered in live bufferevents, by direction (input, output)").baseUnit("bytes")
                    .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_DIRECTION, "input").register(r));
            register(r -> Gauge.builder(BufferEventMeters.BUFFERED_BYTES, live, ClientMeters::sumOutput)
                    .description("Bytes buffered in live bufferevents, by direction (input, output)").baseUnit("bytes")
                    .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_DIRECTION, "output").register(r));
            return register(r -> Gauge.builder(BufferEventMeters.CONNECTIONS_ACTIVE, active, AtomicInteger::get)
                    .description("Established connections").tags(BufferEventMeters.TAG_CLIENT, client).register(r));
        });
    }

    /**
     * A meter registered at its first use, once, and held. Any thread; after registration {@link #get}
     * is one volatile read.
     */
    static final class OnFirstUse<M extends Meter> {
        private final java.util.function.Supplier<M> register;
        private volatile M meter;

        OnFirstUse(java.util.function.Supplier<M> register) {
            this.register = register;
        }

        M get() {
            M m = meter;
            if (m == null) {
                synchronized (this) {
                    m = meter;
                    if (m == null) {
                        m = register.get();
                        meter = m;
                    }
                }
            }
            return m;
        }
    }

    /** What hears of this client's exchanges: the timer, and an Observation each when tracing is on. */
    ExchangeListener exchanges() {
        return exchanges;
    }

    /** Records each exchange in the timer of its outcome: no allocation. */
    private class TimedExchanges implements ExchangeListener {
        @Override
        public void ended(BufferEventClient c, Object context, ExchangeOutcome outcome, Throwable error, long nanos) {
            exchangeTimers[outcome.ordinal()].get().record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Also makes each exchange an Observation named {@code bufferevent.exchange}, started on the
     * caller's thread and stopped where the exchange ends, with low-cardinality key values only
     * (client, outcome), so a trace shows it as a span.
     */
    private final class ObservedExchanges extends TimedExchanges {
        @Override
        public Object started(BufferEventClient c) {
            return traced.open(BufferEventMeters.EXCHANGE_OBSERVATION, "bufferevent exchange ");
        }

        @Override
        public void ended(BufferEventClient c, Object context, ExchangeOutcome outcome, Throwable error, long nanos) {
            super.ended(c, context, outcome, error, nanos);
            if (context instanceof Observation) {
                ObservedConnects.stop((Observation) context, outcome.tag(), error);
            }
        }
    }

    /** Gauges of the named client's own state: whether it is writable, and what it holds unsent. */
    void bind(BufferEventClient c) {
        register(r -> Gauge.builder(BufferEventMeters.EXCHANGES_IN_FLIGHT, c, BufferEventClient::exchangesInFlight)
                .description("Exchanges outstanding: waiting to be sent, in flight, or timed out and still owed a reply")
                .tags(BufferEventMeters.TAG_CLIENT, client).register(r));
        register(r -> Gauge.builder(BufferEventMeters.CLIENT_WRITABLE, c, x -> x.isWritable() ? 1 : 0)
                .description("1 while the client takes writes without piling up, 0 between its high and low water marks")
                .tags(BufferEventMeters.TAG_CLIENT, client).register(r));
        register(r -> Gauge.builder(BufferEventMeters.CLIENT_HELD_BYTES, c, BufferEventClient::heldBytes)
                .description("Unsent bytes the client holds: pending while disconnected plus the connection's output")
                .baseUnit("bytes").tags(BufferEventMeters.TAG_CLIENT, client).register(r));
    }

    private OnFirstUse<Counter> counter(String name, String description, String baseUnit, String tag, String value) {
        return new OnFirstUse<>(() -> register(r -> Counter.builder(name).description(description).baseUnit(baseUnit)
                .tags(BufferEventMeters.TAG_CLIENT, client, tag, value).register(r)));
    }

    private OnFirstUse<Timer> timer(String name, String description, String outcome) {
        return new OnFirstUse<>(() -> register(r -> Timer.builder(name).description(description)
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_OUTCOME, outcome).register(r)));
    }

    private OnFirstUse<Counter> error(String kind) {
        return counter(BufferEventMeters.ERRORS, "Errors, by kind", null, BufferEventMeters.TAG_KIND, kind);
    }

    private OnFirstUse<Counter> bytes(String direction) {
        return counter(BufferEventMeters.BYTES, "Bytes moved through sockets", "bytes", BufferEventMeters.TAG_DIRECTION, direction);
    }

    private OnFirstUse<Counter> rateLimitSuspended(String direction) {
        return counter(BufferEventMeters.RATELIMIT_SUSPENDED, "Directions suspended until the next tick because a rate limit is spent",
                null, BufferEventMeters.TAG_DIRECTION, direction);
    }

    private OnFirstUse<Counter> disconnects(String reason) {
        return counter(BufferEventMeters.DISCONNECTS, "Connections that ended, by reason", null, BufferEventMeters.TAG_REASON, reason);
    }

    /**
     * Registers a meter of this client and keeps it for {@link #remove}, under one lock with the
     * removed check: a first use racing a removal either lands before it (and is removed with the
     * rest) or after it (in a registry of its own that records nothing anyone reads).
     */
    private <M extends Meter> M register(java.util.function.Function<MeterRegistry, M> registration) {
        synchronized (meters) {
            if (removed) {
                if (detached == null) {
                    detached = new CompositeMeterRegistry();
                }
                return registration.apply(detached);
            }
            M meter = registration.apply(registry);
            meters.add(meter);
            return meter;
        }
    }

    private static double sumInput(Set<BufferEvent> live) {
        long sum = 0;
        for (BufferEvent bev : live) {
            sum += bev.bufferedInput();
        }
        return sum;
    }

    private static double sumOutput(Set<BufferEvent> live) {
        long sum = 0;
        for (BufferEvent bev : live) {
            sum += bev.bufferedOutput();
        }
        return sum;
    }

    /** Removes every meter of this client from the registry. */
    void remove() {
        synchronized (meters) {
            removed = true;
            for (Meter m : meters) {
                registry.remove(m);
            }
            meters.clear();
        }
    }

    String client() {
        return client;
    }

    // ------------------------------------------------------------------ Instrumentation

    @Override
    public void created(BufferEvent bev) {
        gauges.get();
        live.add(bev);
        if (bev.isConnected()) {
            markConnected(bev);
        }
    }

    @Override
    public void freed(BufferEvent bev) {
        live.remove(bev);
        if (traced != null) {
            traced.freed(bev);
        }
        if (ended(bev)) {
            closedDisconnects.get().increment();
        }
    }

    @Override
    public void connectStarted(BufferEvent bev) {
        if (traced != null) {
            traced.connectStarted(bev);
        }
    }

    @Override
    public void connectSucceeded(BufferEvent bev, long nanos) {
        if (traced != null) {
            traced.connectEnded(bev, "success", null);
        }
        connects[ConnectOutcome.SUCCESS.ordinal()].get().increment();
        connectDurations[ConnectOutcome.SUCCESS.ordinal()].get().record(nanos, TimeUnit.NANOSECONDS);
        markConnected(bev);
    }

    @Override
    public void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
        if (traced != null) {
            traced.connectEnded(bev, outcome.name().toLowerCase(Locale.ROOT), cause);
        }
        connects[outcome.ordinal()].get().increment();
        connectDurations[outcome.ordinal()].get().record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
        errors[kind.ordinal()].get().increment();
        if ((kind == ErrorKind.READ || kind == ErrorKind.WRITE || kind == ErrorKind.TLS) && ended(bev)) {
            errorDisconnects.get().increment();
        }
    }

    @Override
    public void eof(BufferEvent bev) {
        if (ended(bev)) {
            eofs.get().increment();
        }
    }

    @Override
    public void timeout(BufferEvent bev, int what) {
        timeoutErrors.get().increment();
        if (ended(bev)) {
            timeoutDisconnects.get().increment();
        }
    }

    @Override
    public void bytesRead(BufferEvent bev, long n) {
        bytesRead.get().increment(n);
    }

    @Override
    public void bytesWritten(BufferEvent bev, long n) {
        bytesWritten.get().increment(n);
    }

    @Override
    public void rateLimitSuspended(BufferEvent bev, int direction) {
        (direction == BevEvent.READING ? readRateLimited : writeRateLimited).get().increment();
    }

    @Override
    public void handshakeStarted(BufferEvent bev) {
        if (traced != null) {
            traced.handshakeStarted(bev);
        }
    }

    @Override
    public void handshakeFinished(BufferEvent bev, HandshakeOutcome outcome, Throwable cause, long nanos) {
        if (traced != null) {
            traced.handshakeEnded(bev, outcome.name().toLowerCase(Locale.ROOT), cause);
        }
        handshakes[outcome.ordinal()].get().record(nanos, TimeUnit.NANOSECONDS);
    }

    private void markConnected(BufferEvent bev) {
        if (connected.add(bev)) {
            active.incrementAndGet();
        }
    }

    /** The first end of an established connection: true once per connection. */
    private boolean ended(BufferEvent bev) {
        if (connected.remove(bev)) {
            active.decrementAndGet();
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "ClientMeters[" + client + "]";
    }

}
