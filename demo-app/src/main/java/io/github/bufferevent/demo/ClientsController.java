package io.github.bufferevent.demo;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo's REST API over the named clients: list them and exchange a line. Request threads
 * never block past the exchange timeout. Load runs are {@link LoadsController}'s.
 */
@RestController
@RequestMapping("/api")
class ClientsController {

    static final int MAX_LINE = 64 * 1024;

    private final BufferEventClients clients;
    private final Exchanges exchanges;
    private final Duration exchangeTimeout;

    ClientsController(BufferEventClients clients, Exchanges exchanges,
            @Value("${demo.exchange-timeout:2s}") Duration exchangeTimeout) {
        this.clients = clients;
        this.exchanges = exchanges;
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

    /** No reply within the exchange timeout (504). */
    static final class ReplyTimeoutException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReplyTimeoutException(String message) {
            super(message);
        }
    }
}
