package io.github.bufferevent.demo;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClientCustomizer;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** A {@link LineExchange} for every named client, attached as its handler. */
@Component
class Exchanges implements BufferEventClientCustomizer {

    private final Map<String, LineExchange> byName = new ConcurrentHashMap<>();
    private final EventBase base;

    Exchanges(EventBase base) {
        this.base = base;
    }

    @Override
    public void customize(BufferEventClient client) {
        LineExchange exchange = new LineExchange(client, base);
        byName.put(client.name(), exchange);
        client.setHandler(exchange);
    }

    /** The exchange of {@code name}; NoSuchElementException naming the known clients otherwise. */
    LineExchange get(String name, BufferEventClients clients) {
        LineExchange e = byName.get(name);
        if (e == null) {
            throw new NoSuchElementException("no client named '" + name + "'; configured: " + clients.names());
        }
        return e;
    }
}
