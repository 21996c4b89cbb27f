package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.context.SmartLifecycle;

/**
 * The named clients of {@code bufferevent.clients}, by name. On startup it connects those with
 * {@code connect-on-startup} (and waits for the {@code required} ones); on context close it closes
 * them, before the event base drains and stops. Any thread may look clients up.
 */
public final class BufferEventClients implements SmartLifecycle {

    /** After the event base starts, before it stops; below the web server's phases. */
    static final int PHASE = EventBaseLifecycle.PHASE + 1024;

    private volatile Map<String, BufferEventClient> clients;
    private final Map<String, ClientSettings> settings;
    private final BufferEventInstrumentation instrumentation;
    private volatile boolean running;

    BufferEventClients(Map<String, BufferEventClient> clients, Map<String, ClientSettings> settings,
            BufferEventInstrumentation instrumentation) {
        this.clients = Collections.unmodifiableMap(new LinkedHashMap<>(clients));
        this.settings = Map.copyOf(settings);
        this.instrumentation = instrumentation;
    }

    /**
     * The client named {@code name}.
     *
     * @throws NoSuchElementException naming the configured clients if there is none by that name
     */
    public BufferEventClient get(String name) {
        BufferEventClient client = clients.get(name);
        if (client == null) {
            throw new NoSuchElementException("no bufferevent client named '" + name + "'; configured: " + clients.keySet());
        }
        return client;
    }

    /** The checked settings the client named {@code name} was built from, or null. */
    ClientSettings settings(String name) {
        return settings.get(name);
    }

    /** The client named {@code name}, or null. */
    public BufferEventClient find(String name) {
        return clients.get(name);
    }

    /**
     * Closes the client named {@code name} (its output drains, as on shutdown), forgets it and
     * removes its meters. Returns the removed client, or null if there was none.
     */
    public synchronized BufferEventClient remove(String name) {
        BufferEventClient client = clients.get(name);
        if (client == null) {
            return null;
        }
        Map<String, BufferEventClient> rest = new LinkedHashMap<>(clients);
        rest.remove(name);
        clients = Collections.unmodifiableMap(rest);
        client.close();
        instrumentation.clientRemoved(name);
        return client;
    }

    /** Every client, in configuration order. */
    public Collection<BufferEventClient> all() {
        return clients.values();
    }

    /** The client names, in configuration order. */
    public java.util.Set<String> names() {
        return clients.keySet();
    }

    @Override
    public void start() {
        for (BufferEventClient c : clients.values()) {
            ClientSettings s = settings.get(c.name());
            if (s == null || s.connectOnStartup) {
                c.connect();
            }
        }
        for (BufferEventClient c : clients.values()) {
            ClientSettings s = settings.get(c.name());
            if (s != null && s.connectOnStartup && s.required) {
                awaitRequired(c, s);
            }
        }
        running = true;
    }

    private static void awaitRequired(BufferEventClient c, ClientSettings s) {
        Duration wait = s.connection.connectTimeout != null ? s.connection.connectTimeout : Duration.ofSeconds(30);
        String target = s.target();
        try {
            c.whenFirstConnected().get(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("bufferevent client '" + s.name + "' is required (bufferevent.clients." + s.name
                    + ".required=true) but could not connect to " + target + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("bufferevent client '" + s.name + "' is required (bufferevent.clients." + s.name
                    + ".required=true) but did not connect to " + target + " within " + wait, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for required client '" + s.name + "'", e);
        }
    }

    @Override
    public void stop() {
        running = false;
        for (BufferEventClient c : clients.values()) {
            c.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Not paused with the context (Spring's {@code pause()}, as the test context cache does):
     * stopping closes for good (clients refuse writes, the base is freed), so a paused context
     * could never be used again. A pause leaves this running; only close stops it.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
