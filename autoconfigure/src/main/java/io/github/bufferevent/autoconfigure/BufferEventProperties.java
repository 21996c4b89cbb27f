package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.client.BufferEventClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the bufferevent starter, under the {@code bufferevent} prefix. Bound once at
 * startup; read on the thread that builds the beans.
 */
@ConfigurationProperties("bufferevent")
public class BufferEventProperties {

    /** Whether the starter creates its EventBase, factory and clients. */
    private boolean enabled = true;

    /** Whether startup fails on a key under bufferevent. that no setting has (a misspelling), naming the closest valid key. */
    private boolean failOnUnknownProperties = true;

    /** The managed event loop. */
    private final EventBaseSettings eventBase = new EventBaseSettings();

    /** Settings every bufferevent gets unless a client overrides them. */
    private final Connection defaults = Connection.withDefaults();

    /** Named clients, each owning one connection to host:port. */
    private final Map<String, Client> clients = new LinkedHashMap<>();

    /**
     * Named rate-limit groups: bandwidth shared by the connections of every client that joins
     * one with {@code bufferevent.clients.<name>.rate-limit-group}.
     */
    private final Map<String, RateLimitGroup> rateLimitGroups = new LinkedHashMap<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isFailOnUnknownProperties() {
        return failOnUnknownProperties;
    }

    public void setFailOnUnknownProperties(boolean failOnUnknownProperties) {
        this.failOnUnknownProperties = failOnUnknownProperties;
    }

    public EventBaseSettings getEventBase() {
        return eventBase;
    }

    public Connection getDefaults() {
        return defaults;
    }

    public Map<String, Client> getClients() {
        return clients;
    }

    public Map<String, RateLimitGroup> getRateLimitGroups() {
        return rateLimitGroups;
    }

    /** The managed event loop: {@code bufferevent.event-base.*}. */
    public static class EventBaseSettings {

        /** Name of the selector thread that runs the loop. */
        private String threadName = "bufferevent-loop";

        /**
         * How long context shutdown waits for pending output to drain before the remaining
         * bufferevents are freed and the loop thread ends.
         */
        private Duration shutdownTimeout = Duration.ofSeconds(30);

        /** A loop turn longer than this is reported as blocking the loop (WARN with the loop thread's stack). */
        private Duration blockedThreshold = Duration.ofMillis(100);

        public String getThreadName() {
            return threadName;
        }

        public void setThreadName(String threadName) {
            this.threadName = threadName;
        }

        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }

        public Duration getBlockedThreshold() {
            return blockedThreshold;
        }

        public void setBlockedThreshold(Duration blockedThreshold) {
            this.blockedThreshold = blockedThreshold;
        }
    }

    /**
     * Settings of one bufferevent: {@code bufferevent.defaults.*}, and per client, where an unset
     * value falls back to the default.
     */
    public static class Connection {

        /** How long a connect (including resolving the host name) may take; reported as WRITING|TIMEOUT. */
        private Duration connectTimeout;

        /** Idle time allowed while reading; unset or 0 for none. */
        private Duration readTimeout;

        /** Time allowed without write progress while output is pending; unset or 0 for none. */
        private Duration writeTimeout;

        /** Read watermarks. */
        private final ReadWatermark readWatermark = new ReadWatermark();

        /** Write watermark. */
        private final WriteWatermark writeWatermark = new WriteWatermark();

        /** The most bytes one read takes from the socket. */
        private DataSize maxSingleRead;

        /** The most bytes one write hands to the socket. */
        private DataSize maxSingleWrite;

        /** BevOption names: CLOSE_ON_FREE, THREADSAFE, DEFER_CALLBACKS, UNLOCK_CALLBACKS. */
        private List<String> options;

        /** Token buckets limiting each connection's reads and writes; unset rates for no limit. */
        private final RateLimit rateLimit = new RateLimit();

        /** TLS on the connections (named clients; the factory bean's {@code ssl(...)} takes verify-hostname and handshake-timeout). */
        private final Ssl ssl = new Ssl();

        static Connection withDefaults() {
            Connection c = new Connection();
            c.connectTimeout = Duration.ofSeconds(5);
            c.readTimeout = Duration.ZERO;
            c.writeTimeout = Duration.ofSeconds(30);
            c.readWatermark.low = DataSize.ofBytes(0);
            c.readWatermark.high = DataSize.ofBytes(0);
            c.writeWatermark.low = DataSize.ofBytes(0);
            c.maxSingleRead = DataSize.ofKilobytes(16);
            c.maxSingleWrite = DataSize.ofKilobytes(60);
            c.options = new ArrayList<>(List.of("THREADSAFE", "CLOSE_ON_FREE"));
            c.ssl.verifyHostname = true;
            c.ssl.handshakeTimeout = Duration.ofSeconds(10);
            return c;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public Duration getWriteTimeout() {
            return writeTimeout;
        }

        public void setWriteTimeout(Duration writeTimeout) {
            this.writeTimeout = writeTimeout;
        }

        public ReadWatermark getReadWatermark() {
            return readWatermark;
        }

        public WriteWatermark getWriteWatermark() {
            return writeWatermark;
        }

        public DataSize getMaxSingleRead() {
            return maxSingleRead;
        }

        public void setMaxSingleRead(DataSize maxSingleRead) {
            this.maxSingleRead = maxSingleRead;
        }

        public DataSize getMaxSingleWrite() {
            return maxSingleWrite;
        }

        public void setMaxSingleWrite(DataSize maxSingleWrite) {
            this.maxSingleWrite = maxSingleWrite;
        }

        public List<String> getOptions() {
            return options;
        }

        public void setOptions(List<String> options) {
            this.options = options;
        }

        public RateLimit getRateLimit() {
            return rateLimit;
        }

        public Ssl getSsl() {
            return ssl;
        }
    }

    /**
     * TLS ({@code ssl.*}): a client connection is a TLS client bufferevent that sends the server
     * name (SNI) and checks the server's certificate against it.
     */
    public static class Ssl {

        /** Whether connections use TLS; unset: on when ssl.bundle is set. On without a bundle: the JDK's default trust store. */
        private Boolean enabled;

        /**
         * Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) giving the trust store, the key
         * store for mutual TLS, protocols and cipher suites. A reloaded bundle reaches new connections.
         */
        private String bundle;

        /** Name sent as SNI and checked against the server's certificate; unset: the host connected to. */
        private String serverName;

        /** Whether the server's certificate must match the server name (endpoint identification HTTPS). Off logs a WARN. */
        private Boolean verifyHostname;

        /** How long a TLS handshake may take once TCP is connected; reported as WRITING|TIMEOUT. 0: the connect timeout. */
        private Duration handshakeTimeout;

        public Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        public String getBundle() {
            return bundle;
        }

        public void setBundle(String bundle) {
            this.bundle = bundle;
        }

        public String getServerName() {
            return serverName;
        }

        public void setServerName(String serverName) {
            this.serverName = serverName;
        }

        public Boolean getVerifyHostname() {
            return verifyHostname;
        }

        public void setVerifyHostname(Boolean verifyHostname) {
            this.verifyHostname = verifyHostname;
        }

        public Duration getHandshakeTimeout() {
            return handshakeTimeout;
        }

        public void setHandshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = handshakeTimeout;
        }
    }

    /**
     * A token bucket ({@code rate-limit.*}): each tick adds the rate, up to the burst; a
     * connection (or a group) that spent its bucket waits for the next tick.
     */
    public static class RateLimit {

        /** Bytes that may be read per tick; unset or 0 for no read limit. */
        private DataSize readRate;

        /** Most bytes the read bucket holds (what may be read at once after idle ticks); unset for read-rate. */
        private DataSize readBurst;

        /** Bytes that may be written per tick; unset or 0 for no write limit. */
        private DataSize writeRate;

        /** Most bytes the write bucket holds (what may be written at once after idle ticks); unset for write-rate. */
        private DataSize writeBurst;

        /** How often the buckets refill; unset for 1s. */
        private Duration tick;

        public DataSize getReadRate() {
            return readRate;
        }

        public void setReadRate(DataSize readRate) {
            this.readRate = readRate;
        }

        public DataSize getReadBurst() {
            return readBurst;
        }

        public void setReadBurst(DataSize readBurst) {
            this.readBurst = readBurst;
        }

        public DataSize getWriteRate() {
            return writeRate;
        }

        public void setWriteRate(DataSize writeRate) {
            this.writeRate = writeRate;
        }

        public DataSize getWriteBurst() {
            return writeBurst;
        }

        public void setWriteBurst(DataSize writeBurst) {
            this.writeBurst = writeBurst;
        }

        public Duration getTick() {
            return tick;
        }

        public void setTick(Duration tick) {
            this.tick = tick;
        }
    }

    /**
     * One named rate-limit group: {@code bufferevent.rate-limit-groups.<group>.*}. Its members share
     * one bucket, each moving at least min-share at once while the group has budget.
     */
    public static class RateLimitGroup extends RateLimit {

        /** The least a member moves at once while the group has budget; capped at the rates. */
        private DataSize minShare = DataSize.ofBytes(64);

        public DataSize getMinShare() {
            return minShare;
        }

        public void setMinShare(DataSize minShare) {
            this.minShare = minShare;
        }
    }

    /** {@code read-watermark.low} / {@code .high}. */
    public static class ReadWatermark {

        /** The read callback runs only once the input holds at least this much. */
        private DataSize low;

        /** Reading suspends while the input holds this much; 0 for unlimited. */
        private DataSize high;

        public DataSize getLow() {
            return low;
        }

        public void setLow(DataSize low) {
            this.low = low;
        }

        public DataSize getHigh() {
            return high;
        }

        public void setHigh(DataSize high) {
            this.high = high;
        }
    }

    /** {@code write-watermark.low}. */
    public static class WriteWatermark {

        /** The write callback runs once the output drains to this much or less. */
        private DataSize low;

        public DataSize getLow() {
            return low;
        }

        public void setLow(DataSize low) {
            this.low = low;
        }
    }

    /** One named client: {@code bufferevent.clients.<name>.*}; unset connection settings fall back to the defaults. */
    public static class Client extends Connection {

        /** Host name or address to connect to (resolved again on every reconnect). */
        private String host;

        /** TCP port, 1..65535. */
        private Integer port;

        /** Whether to connect when the application starts. */
        private boolean connectOnStartup = true;

        /** Whether startup fails when the first connect does not succeed within the connect timeout. */
        private boolean required;

        /**
         * Most bytes the client holds unsent: written while disconnected (pending) plus not yet
         * taken by the socket (the connection's output). A write beyond it is rejected with
         * PendingLimitExceededException.
         */
        private DataSize maxPendingBytes = DataSize.ofMegabytes(1);

        /**
         * Backpressure (as Netty's WriteBufferWaterMark): the client turns unwritable once it
         * holds this much unsent, and writable again when that drains to the low water mark.
         * Capped at max-pending-bytes.
         */
        private DataSize writeBufferHighWaterMark = DataSize.ofKilobytes(64);

        /** The client turns writable again once what it holds unsent drains to this much. */
        private DataSize writeBufferLowWaterMark = DataSize.ofKilobytes(32);

        /**
         * host:port entries tried in order, instead of host and port: a failed attempt moves on
         * to the next at once (IPv6 as [::1]:6379).
         */
        private List<String> addresses = new ArrayList<>();

        /** Whether a connection on a later address moves back to the first once it answers again. */
        private boolean failback = true;

        /** Connections to open (at startup); an exchange goes to the connected one with the fewest in flight. */
        private int poolSize = 1;

        /** The name of a group under bufferevent.rate-limit-groups whose bandwidth the client's connections share. */
        private String rateLimitGroup;

        /** How long an exchange waits for its reply, from the call; 0 for no limit. */
        private Duration replyTimeout = Duration.ofSeconds(5);

        /** Most exchanges outstanding at once (queued, in flight, or timed out and still owed a reply); beyond, refused at once. */
        private int maxInFlight = 10_000;

        /** What happens to writes and exchanges while no connection is up: buffer (until the reconnect) or reject. */
        private BufferEventClient.PendingPolicy pendingWhileDisconnected = BufferEventClient.PendingPolicy.BUFFER;

        /** How bytes become frames for send and exchange; unset, the handler's onRead gets raw bytes. */
        private final Framing framing = new Framing();

        /** Reconnecting after the connection fails or closes. */
        private final Reconnect reconnect = new Reconnect();

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public Integer getPort() {
            return port;
        }

        public void setPort(Integer port) {
            this.port = port;
        }

        public boolean isConnectOnStartup() {
            return connectOnStartup;
        }

        public void setConnectOnStartup(boolean connectOnStartup) {
            this.connectOnStartup = connectOnStartup;
        }

        public boolean isRequired() {
            return required;
        }

        public void setRequired(boolean required) {
            this.required = required;
        }

        public DataSize getMaxPendingBytes() {
            return maxPendingBytes;
        }

        public void setMaxPendingBytes(DataSize maxPendingBytes) {
            this.maxPendingBytes = maxPendingBytes;
        }

        public DataSize getWriteBufferHighWaterMark() {
            return writeBufferHighWaterMark;
        }

        public void setWriteBufferHighWaterMark(DataSize writeBufferHighWaterMark) {
            this.writeBufferHighWaterMark = writeBufferHighWaterMark;
        }

        public DataSize getWriteBufferLowWaterMark() {
            return writeBufferLowWaterMark;
        }

        public void setWriteBufferLowWaterMark(DataSize writeBufferLowWaterMark) {
            this.writeBufferLowWaterMark = writeBufferLowWaterMark;
        }

        public List<String> getAddresses() {
            return addresses;
        }

        public void setAddresses(List<String> addresses) {
            this.addresses = addresses;
        }

        public boolean isFailback() {
            return failback;
        }

        public void setFailback(boolean failback) {
            this.failback = failback;
        }

        public int getPoolSize() {
            return poolSize;
        }

        public void setPoolSize(int poolSize) {
            this.poolSize = poolSize;
        }

        public String getRateLimitGroup() {
            return rateLimitGroup;
        }

        public void setRateLimitGroup(String rateLimitGroup) {
            this.rateLimitGroup = rateLimitGroup;
        }

        public Duration getReplyTimeout() {
            return replyTimeout;
        }

        public void setReplyTimeout(Duration replyTimeout) {
            this.replyTimeout = replyTimeout;
        }

        public int getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public BufferEventClient.PendingPolicy getPendingWhileDisconnected() {
            return pendingWhileDisconnected;
        }

        public void setPendingWhileDisconnected(BufferEventClient.PendingPolicy pendingWhileDisconnected) {
            this.pendingWhileDisconnected = pendingWhileDisconnected;
        }

        public Framing getFraming() {
            return framing;
        }

        public Reconnect getReconnect() {
            return reconnect;
        }
    }

    /** The built-in framings: {@code bufferevent.clients.<name>.framing.type}. */
    public enum FramingType {
        /** Whatever bytes have arrived are one frame. */
        RAW,
        /** Text lines ended as framing.eol says (CRLF by default). */
        LINE,
        /** An unsigned big-endian length header (framing.length-field-bytes) counting the payload, then the payload. */
        LENGTH_FIELD,
        /** Frames ended by framing.delimiter. */
        DELIMITER
    }

    /** {@code bufferevent.clients.<name>.framing.*}. */
    public static class Framing {

        /** raw, line, length-field or delimiter; unset, no framing (raw bytes to the handler's onRead). */
        private FramingType type;

        /** Longest frame (without its line end, header or delimiter); a longer reply closes the connection. Default 64KB (255B for a 1-byte length field). */
        private DataSize maxFrameLength;

        /** Line end of line framing: CRLF (writes CR LF), CRLF_STRICT, ANY, LF or NUL. */
        private EolStyle eol = EolStyle.CRLF;

        /** Bytes of the length header of length-field framing: 1, 2 or 4. */
        private int lengthFieldBytes = 4;

        /** The delimiter of delimiter framing (UTF-8). */
        private String delimiter;

        public FramingType getType() {
            return type;
        }

        public void setType(FramingType type) {
            this.type = type;
        }

        public DataSize getMaxFrameLength() {
            return maxFrameLength;
        }

        public void setMaxFrameLength(DataSize maxFrameLength) {
            this.maxFrameLength = maxFrameLength;
        }

        public EolStyle getEol() {
            return eol;
        }

        public void setEol(EolStyle eol) {
            this.eol = eol;
        }

        public int getLengthFieldBytes() {
            return lengthFieldBytes;
        }

        public void setLengthFieldBytes(int lengthFieldBytes) {
            this.lengthFieldBytes = lengthFieldBytes;
        }

        public String getDelimiter() {
            return delimiter;
        }

        public void setDelimiter(String delimiter) {
            this.delimiter = delimiter;
        }
    }

    /** {@code bufferevent.clients.<name>.reconnect.*}: exponential backoff with jitter. */
    public static class Reconnect {

        /** Whether the client reconnects after a failure or a close by the peer. */
        private boolean enabled = true;

        /** Delay before the first reconnect attempt. */
        private Duration initialBackoff = Duration.ofMillis(100);

        /** Upper bound of the delay between attempts. */
        private Duration maxBackoff = Duration.ofSeconds(30);

        /** Factor applied to the delay after each failed attempt (>= 1). */
        private double multiplier = 2.0;

        /** Random spread of each delay, as a fraction in 0..1 (0.2 = +/-20%). */
        private double jitter = 0.2;

        /**
         * Whether a write or exchange while the client waits in backoff starts an attempt at once
         * (at most one in flight, no closer together than initial-backoff), so the client comes back
         * with demand rather than at the end of a long backoff.
         */
        private boolean onDemand = true;

        /** The longest time between two WARNs about failed attempts while the client stays disconnected. */
        private Duration logInterval = Duration.ofMinutes(1);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public double getJitter() {
            return jitter;
        }

        public void setJitter(double jitter) {
            this.jitter = jitter;
        }

        public boolean isOnDemand() {
            return onDemand;
        }

        public void setOnDemand(boolean onDemand) {
            this.onDemand = onDemand;
        }

        public Duration getLogInterval() {
            return logInterval;
        }

        public void setLogInterval(Duration logInterval) {
            this.logInterval = logInterval;
        }
    }
}
