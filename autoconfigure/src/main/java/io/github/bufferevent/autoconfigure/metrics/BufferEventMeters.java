package io.github.bufferevent.autoconfigure.metrics;

/**
 * Every meter the starter registers, with its tags. Names follow Micrometer's dotted lowercase
 * convention ({@code bufferevent_connects_total} in Prometheus). The {@code client} tag is the
 * configured client name, a name given with {@code BufferEventInstrumentation.forClient}, or
 * {@code default}; never a remote address or port.
 */
public final class BufferEventMeters {

    /** Counter of finished connect attempts; tags {@code client}, {@code outcome}. */
    public static final String CONNECTS = "bufferevent.connects";
    /** Timer of connect attempts (resolution included); tags {@code client}, {@code outcome}. */
    public static final String CONNECT_DURATION = "bufferevent.connect.duration";
    /** Counter of errors; tags {@code client}, {@code kind}. */
    public static final String ERRORS = "bufferevent.errors";
    /** Gauge of bytes buffered in live bufferevents (base unit bytes); tags {@code client}, {@code direction} = input | output. */
    public static final String BUFFERED_BYTES = "bufferevent.buffered.bytes";
    /** Counter of bytes moved through sockets (base unit bytes); tags {@code client}, {@code direction} = read | written. */
    public static final String BYTES = "bufferevent.bytes";
    /**
     * Counter of directions suspended because a rate limit (the connection's own or its group's)
     * is spent until the next tick; tags {@code client}, {@code direction} = read | write.
     */
    public static final String RATELIMIT_SUSPENDED = "bufferevent.ratelimit.suspended";
    /** Gauge of established connections; tag {@code client}. */
    public static final String CONNECTIONS_ACTIVE = "bufferevent.connections.active";
    /** Counter of connections that ended; tags {@code client}, {@code reason}. */
    public static final String DISCONNECTS = "bufferevent.disconnects";
    /** Gauge, 1 while a named client is writable, 0 between its write-buffer water marks; tag {@code client}. */
    public static final String CLIENT_WRITABLE = "bufferevent.client.writable";
    /** Gauge of the unsent bytes a named client holds (pending plus output; base unit bytes); tag {@code client}. */
    public static final String CLIENT_HELD_BYTES = "bufferevent.client.held.bytes";
    /** Timer of exchanges (request to reply or failure); tags {@code client}, {@code outcome} = success | timeout | disconnected | rejected | too-long | error. */
    public static final String EXCHANGES = "bufferevent.exchanges";
    /** Gauge of a named client's exchanges outstanding; tag {@code client}. */
    public static final String EXCHANGES_IN_FLIGHT = "bufferevent.exchanges.in-flight";
    /** The Observation of each exchange (with an ObservationRegistry); key values {@code client}, {@code outcome}. */
    public static final String EXCHANGE_OBSERVATION = "bufferevent.exchange";
    /**
     * Timer of TLS handshakes, from the transport being connected to the handshake's end; tags
     * {@code client}, {@code outcome} = success | failure | timeout. Registered at a client's first handshake.
     */
    public static final String TLS_HANDSHAKES = "bufferevent.tls.handshakes";
    /** The Observation of each connect attempt (with an ObservationRegistry); key values {@code client}, {@code outcome}. */
    public static final String CONNECT_OBSERVATION = "bufferevent.connect";
    /** The Observation of each TLS handshake (with an ObservationRegistry); key values {@code client}, {@code outcome}. */
    public static final String TLS_HANDSHAKE_OBSERVATION = "bufferevent.tls.handshake";
    /** Timer of loop turns (the work after each selector wake-up). */
    public static final String TURN_DURATION = "bufferevent.eventbase.turn.duration";
    /** Gauge of tasks handed to the loop and not yet run. */
    public static final String TASKS_PENDING = "bufferevent.eventbase.tasks.pending";
    /** Counter of loop turns longer than {@code bufferevent.event-base.blocked-threshold}. */
    public static final String BLOCKED = "bufferevent.eventbase.blocked";

    /** Tag: the client name. */
    public static final String TAG_CLIENT = "client";
    /** Tag of connects: success | refused | timeout | unresolved | error. */
    public static final String TAG_OUTCOME = "outcome";
    /** Tag of errors: connect | read | write | dns | tls | timeout | callback. */
    public static final String TAG_KIND = "kind";
    /** Tag of buffered bytes (input | output), bytes (read | written) and rate-limit suspensions (read | write). */
    public static final String TAG_DIRECTION = "direction";
    /** Tag of disconnects: eof | error | timeout | closed. */
    public static final String TAG_REASON = "reason";

    private BufferEventMeters() {
    }
}
