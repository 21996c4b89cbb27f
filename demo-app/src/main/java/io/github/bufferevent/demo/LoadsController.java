package io.github.bufferevent.demo;

import io.github.bufferevent.client.BufferEventClient;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Collection;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo's load API: start a run on a client ({@code POST /api/clients/{name}/load}), follow it
 * ({@code GET /api/loads/{id}}, {@code GET /api/loads}) and cancel it
 * ({@code DELETE /api/loads/{id}}). Request threads only start or cancel runs; no request waits
 * for one.
 */
@RestController
@RequestMapping("/api")
class LoadsController {

    private final ClientLookup lookup;
    private final LoadRuns runs;

    LoadsController(ClientLookup lookup, LoadRuns runs) {
        this.lookup = lookup;
        this.runs = runs;
    }

    /**
     * 202 with the run's location; 400 for a bad or unknown parameter, 429 beyond the running-runs
     * limit, 503 when the client is not connected or has no framing to exchange with.
     */
    @PostMapping("/clients/{name}/load")
    ResponseEntity<LoadRun.Progress> start(@PathVariable String name, HttpServletRequest request) {
        BufferEventClient client = lookup.get(name);
        LoadParameters p = LoadParameters.from(request.getParameterMap());
        if (!client.isConnected()) {
            throw new ClientDisconnectedException(client);
        }
        if (client.framing() == null) {
            throw new IllegalStateException("client '" + name + "' has no framing, so it cannot exchange; set bufferevent.clients."
                    + name + ".framing.type (line, length-field, delimiter or raw)");
        }
        LoadRun run = runs.start(client, p.messages(), (int) Math.min(p.concurrency(), p.messages()));
        return ResponseEntity.accepted().location(URI.create("/api/loads/" + run.id)).body(run.progress());
    }

    @GetMapping("/loads/{id}")
    LoadRun.Progress progress(@PathVariable long id) {
        return runs.get(id).progress();
    }

    @GetMapping("/loads")
    Collection<LoadRun.Progress> all() {
        return runs.progress();
    }

    /** Cancels the run: it stops sending and is done at once ({@code cancelled: true}); a finished run is left as it is. */
    @DeleteMapping("/loads/{id}")
    LoadRun.Progress cancel(@PathVariable long id) {
        return runs.cancel(id).progress();
    }
}
