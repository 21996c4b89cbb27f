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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters of one client name, registered once and held, so recording an event is a field read
 * and an increment (no lookup, no allocation). Live bufferevents are tracked for the
 * buffered-bytes gauges, which read only their any-thread snapshots.
 */
final class ClientMeters implements Instrumentation {

    private final String client;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Set<BufferEvent> live = ConcurrentHashMap.newKeySet();
    /** Live bufferevents whose connection is established and not yet reported as ended. */
    private final Set<BufferEvent> connected = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();

    private final Counter[] connects = new Counter[ConnectOutcome.values().length];
    private final Timer[] connectDurations = new Timer[ConnectOutcome.values().length];
    private final Counter[] errors = new Counter[ErrorKind.values().length];
    private final Counter timeoutErrors;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private final Counter eofs;
    private final Counter errorDisconnects;
    private final Counter timeoutDisconnects;
    private final Counter closedDisconnects;
    private final Counter readRateLimited;
    private final Counter writeRateLimited;

    /** Registered at the first handshake of each outcome: a plain-TCP client shows no TLS series. */
    private final AtomicReferenceArray<Timer> handshakeTimers = new AtomicReferenceArray<>(HandshakeOutcome.values().length);
    private final Timer[] exchangeTimers = new Timer[ExchangeOutcome.values().length];
    private final ObservationRegistry observations;
    private final ExchangeListener exchanges;

    ClientMeters(String client, MeterRegistry registry, ObservationRegistry observations) {
        this.client = client;
        this.registry = registry;
        this.observations = observations;
        for (ExchangeOutcome o : ExchangeOutcome.values()) {
            exchangeTimers[o.ordinal()] = keep(Timer.builder(BufferEventMeters.EXCHANGES)
                    .description("Exchanges (request and reply), from the call to the reply or failure, by outcome")
                    .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_OUTCOME, o.tag()).register(registry));
        }
        this.exchanges = observations == null || observations.isNoop() ? new TimedExchanges() : new ObservedExchanges();
        for (ConnectOutcome o : ConnectOutcome.values()) {
            String outcome = o.name().toLowerCase(Locale.ROOT);
            connects[o.ordinal()] = keep(Counter.builder(BufferEventMeters.CONNECTS)
                    .description("Connect attempts that finished, by outcome")
                    .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_OUTCOME, outcome).register(registry));
            connectDurations[o.ordinal()] = keep(Timer.builder(BufferEventMeters.CONNECT_DURATION)
                    .description("Time from connect start (name resolution included) to its outcome")
                    .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_OUTCOME, outcome).register(registry));
        }
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
        keep(Gauge.builder(BufferEventMeters.BUFFERED_BYTES, live, ClientMeters::sumInput)
                .description("Bytes buffered in the input of live bufferevents").baseUnit("bytes")
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_DIRECTION, "input").register(registry));
        keep(Gauge.builder(BufferEventMeters.BUFFERED_BYTES, live, ClientMeters::sumOutput)
                .description("Bytes buffered in the output of live bufferevents").baseUnit("bytes")
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_DIRECTION, "output").register(registry));
        keep(Gauge.builder(BufferEventMeters.CONNECTIONS_ACTIVE, active, AtomicInteger::get)
                .description("Established connections").tags(BufferEventMeters.TAG_CLIENT, client).register(registry));
    }

    /** What hears of this client's exchanges: the timer, and an Observation each when tracing is on. */
    ExchangeListener exchanges() {
        return exchanges;
    }

    /** Records each exchange in the timer of its outcome: no allocation. */
    private class TimedExchanges implements ExchangeListener {
        @Override
        public void ended(BufferEventClient c, Object context, ExchangeOutcome outcome, Throwable error, long nanos) {
            exchangeTimers[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
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
            return Observation.createNotStarted(BufferEventMeters.EXCHANGE_OBSERVATION, observations)
                    .contextualName("bufferevent exchange " + client)
                    .lowCardinalityKeyValue(BufferEventMeters.TAG_CLIENT, client).start();
        }

        @Override
        public void ended(BufferEventClient c, Object context, ExchangeOutcome outcome, Throwable error, long nanos) {
            super.ended(c, context, outcome, error, nanos);
            if (context instanceof Observation) {
                Observation o = (Observation) context;
                o.lowCardinalityKeyValue(BufferEventMeters.TAG_OUTCOME, outcome.tag());
                if (error != null) {
                    o.error(error);
                }
                o.stop();
            }
        }
    }

    /** Gauges of the named client's own state: whether it is writable, and what it holds unsent. */
    void bind(BufferEventClient c) {
        keep(Gauge.builder(BufferEventMeters.EXCHANGES_IN_FLIGHT, c, BufferEventClient::exchangesInFlight)
                .description("Exchanges outstanding: waiting to be sent, in flight, or timed out and still owed a reply")
                .tags(BufferEventMeters.TAG_CLIENT, client).register(registry));
        keep(Gauge.builder(BufferEventMeters.CLIENT_WRITABLE, c, x -> x.isWritable() ? 1 : 0)
                .description("1 while the client takes writes without piling up, 0 between its high and low water marks")
                .tags(BufferEventMeters.TAG_CLIENT, client).register(registry));
        keep(Gauge.builder(BufferEventMeters.CLIENT_HELD_BYTES, c, BufferEventClient::heldBytes)
                .description("Unsent bytes the client holds: pending while disconnected plus the connection's output")
                .baseUnit("bytes").tags(BufferEventMeters.TAG_CLIENT, client).register(registry));
    }

    private Counter error(String kind) {
        return keep(Counter.builder(BufferEventMeters.ERRORS).description("Errors, by kind")
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_KIND, kind).register(registry));
    }

    private Counter bytes(String direction) {
        return keep(Counter.builder(BufferEventMeters.BYTES).description("Bytes moved through sockets").baseUnit("bytes")
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_DIRECTION, direction).register(registry));
    }

    private Counter rateLimitSuspended(String direction) {
        return keep(Counter.builder(BufferEventMeters.RATELIMIT_SUSPENDED)
                .description("Directions suspended until the next tick because a rate limit is spent")
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_DIRECTION, direction).register(registry));
    }

    private Counter disconnects(String reason) {
        return keep(Counter.builder(BufferEventMeters.DISCONNECTS).description("Connections that ended, by reason")
                .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_REASON, reason).register(registry));
    }

    private <M extends Meter> M keep(M meter) {
        synchronized (meters) {
            meters.add(meter);
        }
        return meter;
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
            for (Meter m : meters) {
                registry.remove(m);
            }
        }
    }

    String client() {
        return client;
    }

    // ------------------------------------------------------------------ Instrumentation

    @Override
    public void created(BufferEvent bev) {
        live.add(bev);
        if (bev.isConnected()) {
            markConnected(bev);
        }
    }

    @Override
    public void freed(BufferEvent bev) {
        live.remove(bev);
        if (ended(bev)) {
            closedDisconnects.increment();
        }
    }

    @Override
    public void connectSucceeded(BufferEvent bev, long nanos) {
        connects[ConnectOutcome.SUCCESS.ordinal()].increment();
        connectDurations[ConnectOutcome.SUCCESS.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        markConnected(bev);
    }

    @Override
    public void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
        connects[outcome.ordinal()].increment();
        connectDurations[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
        errors[kind.ordinal()].increment();
        if ((kind == ErrorKind.READ || kind == ErrorKind.WRITE || kind == ErrorKind.TLS) && ended(bev)) {
            errorDisconnects.increment();
        }
    }

    @Override
    public void eof(BufferEvent bev) {
        if (ended(bev)) {
            eofs.increment();
        }
    }

    @Override
    public void timeout(BufferEvent bev, int what) {
        timeoutErrors.increment();
        if (ended(bev)) {
            timeoutDisconnects.increment();
        }
    }

    @Override
    public void bytesRead(BufferEvent bev, long n) {
        bytesRead.increment(n);
    }

    @Override
    public void bytesWritten(BufferEvent bev, long n) {
        bytesWritten.increment(n);
    }

    @Override
    public void rateLimitSuspended(BufferEvent bev, int direction) {
        (direction == BevEvent.READING ? readRateLimited : writeRateLimited).increment();
    }

    @Override
    public void handshakeFinished(BufferEvent bev, HandshakeOutcome outcome, Throwable cause, long nanos) {
        Timer t = handshakeTimers.get(outcome.ordinal());
        if (t == null) {
            t = handshakeTimer(outcome);
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    private synchronized Timer handshakeTimer(HandshakeOutcome outcome) {
        Timer t = handshakeTimers.get(outcome.ordinal());
        if (t == null) {
            t = keep(Timer.builder(BufferEventMeters.TLS_HANDSHAKES)
                    .description("TLS handshakes, from the transport being connected to their end, by outcome")
                    .tags(BufferEventMeters.TAG_CLIENT, client, BufferEventMeters.TAG_OUTCOME, outcome.name().toLowerCase(Locale.ROOT))
                    .register(registry));
            handshakeTimers.set(outcome.ordinal(), t);
        }
        return t;
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
