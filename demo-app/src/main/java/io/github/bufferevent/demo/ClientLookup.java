package io.github.bufferevent.demo;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.client.BufferEventClient;
import java.util.NoSuchElementException;
import org.springframework.stereotype.Component;

/**
 * Finds the named client an API call names, or says which names exist (404).
 *
 * <p>Threads: any.
 */
@Component
class ClientLookup {

    private final BufferEventClients clients;

    ClientLookup(BufferEventClients clients) {
        this.clients = clients;
    }

    /**
     * The client named {@code name}.
     *
     * @throws NoSuchElementException naming the configured clients if there is none by that name
     */
    BufferEventClient get(String name) {
        BufferEventClient client = clients.find(name);
        if (client == null) {
            throw new NoSuchElementException("no client named '" + name + "'; configured: " + clients.names());
        }
        return client;
    }
}
