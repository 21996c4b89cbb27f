package io.github.bufferevent.client;

import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.client.BufferEventClient.ConnectionInfo;
import io.github.bufferevent.client.BufferEventClient.State;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A client's connections and the choice among them: a request goes to the connection that takes
 * requests with the fewest exchanges in flight. Also counts the connections that are up and sums
 * what they buffer, for the client's getters.
 *
 * <p>Threads: {@link #leastBusy}, {@link #startAll}, {@link #closeAll} and the up/down counting on
 * the loop thread; the counts, sums and snapshots from any (they read volatile fields).
 */
final class ConnectionPool {

    private final ClientConnection[] connections;
    private volatile int connected;
    private final ClientSettings settings;
    /** A demand task is queued on the loop (so a burst of writes queues one task, not one each). */
    private final AtomicBoolean demandQueued = new AtomicBoolean();
    private final Runnable demandTask = this::attemptOnDemand;

    ConnectionPool(BufferEventClient client, ClientSettings settings) {
        this.settings = settings;
        BufferEventFactory user = settings.factory;
        BufferEventFactory factory = user.withInstrumentation(new FreedWatch(user.instrumentation(), settings.base, this));
        this.connections = new ClientConnection[settings.poolSize];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new ClientConnection(client, factory, i);
        }
    }

    int size() {
        return connections.length;
    }

    ClientConnection first() {
        return connections[0];
    }

    /**
     * Any thread: a write or exchange arrived while no connection is up. With reconnect on demand,
     * asks the loop to start the waiting connections' next attempts now (at most one task queued).
     */
    void demand() {
        if (!settings.reconnectOnDemand || connected > 0 || !demandQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            settings.base.execute(demandTask);
        } catch (RejectedExecutionException | IllegalStateException closed) {
            demandQueued.set(false); // the base is closed: nothing will reconnect anyway
        }
    }

    // ------------------------------------------------------------------ loop thread

    private void attemptOnDemand() {
        demandQueued.set(false);
        if (connected > 0) {
            return;
        }
        for (ClientConnection c : connections) {
            c.attemptOnDemand();
        }
    }

    void startAll() {
        for (ClientConnection c : connections) {
            c.start();
        }
    }

    /** The client closes: each connection drains what it has and takes nothing more. */
    void closeAll() {
        for (ClientConnection c : connections) {
            c.close();
        }
    }

    /** The base closed (on the thread closing it): every connection fails what waits on it. */
    void baseClosed() {
        for (ClientConnection c : connections) {
            c.baseClosed();
        }
    }

    /** The connection that takes requests with the fewest exchanges in flight, or null. */
    ClientConnection leastBusy() {
        ClientConnection best = null;
        for (ClientConnection c : connections) {
            if (c.takesRequests() && (best == null || c.load() < best.load())) {
                best = c;
            }
        }
        return best;
    }

    void up() {
        connected++;
    }

    void down() {
        connected--;
    }

    /** Whether every connection ended (or never started): a closing client is closed then. */
    boolean allClosed() {
        for (ClientConnection c : connections) {
            if (c.phase != ClientConnection.Phase.CLOSED && c.phase != ClientConnection.Phase.IDLE) {
                return false;
            }
        }
        return true;
    }

    /** The client ended: no connection counts as up any more. */
    void ended() {
        connected = 0;
    }

    // ------------------------------------------------------------------ any thread

    int connected() {
        return connected;
    }

    /** The state of a started client: CONNECTED, else CONNECTING, BACKOFF or STOPPED, as its connections are. */
    State state() {
        if (connected > 0) {
            return State.CONNECTED;
        }
        boolean backingOff = false;
        for (ClientConnection c : connections) {
            ClientConnection.Phase p = c.phase;
            if (p == ClientConnection.Phase.CONNECTING || p == ClientConnection.Phase.CONNECTED) {
                return State.CONNECTING;
            }
            backingOff |= p == ClientConnection.Phase.BACKOFF;
        }
        return backingOff ? State.BACKOFF : State.STOPPED;
    }

    /** The connection whose bufferevent {@code bev} is now, or null. */
    ClientConnection publishing(BufferEvent bev) {
        for (ClientConnection c : connections) {
            if (c.published == bev) {
                return c;
            }
        }
        return null;
    }

    long outputBytes() {
        return buffered(true);
    }

    long inputBytes() {
        return buffered(false);
    }

    private long buffered(boolean output) {
        long sum = 0;
        for (ClientConnection c : connections) {
            BufferEvent b = c.published;
            if (b != null) {
                sum += output ? b.bufferedOutput() : b.bufferedInput();
            }
        }
        return sum;
    }

    List<BufferEvent> bufferEvents() {
        List<BufferEvent> list = new ArrayList<>(connections.length);
        for (ClientConnection c : connections) {
            BufferEvent b = c.published;
            if (b != null) {
                list.add(b);
            }
        }
        return list;
    }

    List<ConnectionInfo> infos() {
        List<ConnectionInfo> list = new ArrayList<>(connections.length);
        for (ClientConnection c : connections) {
            list.add(c.info());
        }
        return list;
    }

    /** Since when the first connection that is up has been up, or null. */
    Instant connectedSince() {
        return firstOf(c -> c.connectedSince);
    }

    /** The peer of the first connection that is (or was last) up, or null. */
    SocketAddress remoteAddress() {
        return firstOf(c -> c.remoteAddress);
    }

    private <T> T firstOf(Function<ClientConnection, T> field) {
        for (ClientConnection c : connections) {
            T value = field.apply(c);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
