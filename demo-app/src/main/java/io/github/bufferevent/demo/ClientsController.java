package io.github.bufferevent.demo;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The demo's REST API over the named clients. Request threads never block past the exchange timeout. */
@RestController
@RequestMapping("/api")
class ClientsController {

    static final long MAX_MESSAGES = 10_000_000;
    static final int MAX_CONCURRENCY = 1024;
    static final int MAX_LINE = 64 * 1024;

    private final BufferEventClients clients;
    private final Exchanges exchanges;
    private final EventBase base;
    private final Duration exchangeTimeout;
    private final Map<Long, LoadRun> loads = new ConcurrentHashMap<>();
    private final AtomicLong loadIds = new AtomicLong();

    ClientsController(BufferEventClients clients, Exchanges exchanges, EventBase base,
            @Value("${demo.exchange-timeout:2s}") Duration exchangeTimeout) {
        this.clients = clients;
        this.exchanges = exchanges;
        this.base = base;
        this.exchangeTimeout = exchangeTimeout;
    }

    /** One client as the API shows it. */
    record ClientView(String name, String state, boolean connected, String host, int port, String remoteAddress,
            long bufferedInputBytes, long bufferedOutputBytes, long pendingBytes, long reconnects, int reconnectAttempt,
            String lastError, String lastErrorAt) {

        static ClientView of(BufferEventClient c) {
            return new ClientView(c.name(), c.state().name(), c.isConnected(), c.host(), c.port(),
                    c.remoteAddress() == null ? null : c.remoteAddress().toString(), c.bufferedInput(), c.bufferedOutput(),
                    c.pendingBytes(), c.reconnects(), c.reconnectAttempt(), c.lastError() == null ? null : c.lastError().toString(),
                    c.lastErrorAt() == null ? null : c.lastErrorAt().toString());
        }
    }

    /** The reply to an exchange. */
    record ExchangeResult(String client, String reply, long micros) {
    }

    @GetMapping("/clients")
    List<ClientView> clients() {
        List<ClientView> views = new ArrayList<>();
        for (BufferEventClient c : clients.all()) {
            views.add(ClientView.of(c));
        }
        return views;
    }

    @GetMapping("/clients/{name}")
    ClientView client(@PathVariable String name) {
        return ClientView.of(clients.get(name));
    }

    /**
     * The body is read raw, whatever its content type: {@code curl -d 'PING'} sends it as a form,
     * which {@code @RequestBody String} would turn into {@code PING=}. The body must be one line:
     * a CR, LF or NUL inside it is refused with 400 ({@link LineRequest}).
     */
    @PostMapping("/clients/{name}/exchange")
    ExchangeResult exchange(@PathVariable String name, HttpServletRequest request) throws Exception {
        LineExchange exchange = exchanges.get(name, clients);
        byte[] raw = request.getInputStream().readNBytes(MAX_LINE + 1);
        if (raw.length > MAX_LINE) {
            throw new BadRequestException("the request body is longer than " + MAX_LINE + " bytes");
        }
        String body = new String(raw, StandardCharsets.UTF_8);
        if (body.isEmpty()) {
            throw new BadRequestException("the request body is empty: send the line to write, e.g. curl -d 'PING'");
        }
        try {
            LineExchange.Reply reply = exchange.exchange(body).get(exchangeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return new ExchangeResult(name, reply.line(), reply.micros());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new ReplyTimeoutException("no reply from client '" + name + "' within " + exchangeTimeout
                    + " (demo.exchange-timeout)");
        }
    }

    @PostMapping("/clients/{name}/load")
    ResponseEntity<LoadRun.Progress> load(@PathVariable String name, @RequestParam(defaultValue = "10000") long messages,
            @RequestParam(defaultValue = "8") int concurrency) {
        LineExchange exchange = exchanges.get(name, clients);
        if (messages < 1 || messages > MAX_MESSAGES) {
            throw new BadRequestException("messages must be in 1.." + MAX_MESSAGES + ", was " + messages);
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new BadRequestException("concurrency must be in 1.." + MAX_CONCURRENCY + ", was " + concurrency);
        }
        if (!exchange.client().isConnected()) {
            throw new ClientDisconnectedException(exchange.client());
        }
        LoadRun run = new LoadRun(loadIds.incrementAndGet(), exchange, base, exchangeTimeout, messages, (int) Math.min(concurrency, messages));
        loads.put(run.id, run);
        if (loads.size() > 100) {
            loads.keySet().stream().min(Long::compare).ifPresent(loads::remove);
        }
        run.start();
        return ResponseEntity.accepted().location(URI.create("/api/loads/" + run.id)).body(run.progress());
    }

    @GetMapping("/loads/{id}")
    LoadRun.Progress loadProgress(@PathVariable long id) {
        LoadRun run = loads.get(id);
        if (run == null) {
            throw new NoSuchElementException("no load run " + id);
        }
        return run.progress();
    }

    @GetMapping("/loads")
    Collection<LoadRun.Progress> loads() {
        return loads.values().stream().map(LoadRun::progress).sorted((a, b) -> Long.compare(b.id(), a.id())).toList();
    }

    /** A request the API refuses (400). */
    static final class BadRequestException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequestException(String message) {
            super(message);
        }
    }

    /** No reply within the exchange timeout (504). */
    static final class ReplyTimeoutException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReplyTimeoutException(String message) {
            super(message);
        }
    }
}
