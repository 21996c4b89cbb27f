package io.github.bufferevent.demo;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.FrameTooLongException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * The demo's REST API over the named clients: list them and exchange one frame with
 * {@link BufferEventClient#exchange(byte[])}, whatever the client's framing. A request thread
 * waits for the reply at most {@code demo.exchange-timeout}; {@link ApiErrors} turns the
 * client's failures into problem details. Load runs are {@link LoadsController}'s.
 *
 * <p>Threads: request threads; the one continuation on the exchange's future runs on the loop
 * thread and only builds the result.
 */
@RestController
@RequestMapping("/api")
class ClientsController {

    private final BufferEventClients clients;
    private final ClientLookup lookup;
    private final Duration exchangeTimeout;

    ClientsController(BufferEventClients clients, ClientLookup lookup, @Value("${demo.exchange-timeout:2s}") Duration exchangeTimeout) {
        this.clients = clients;
        this.lookup = lookup;
        this.exchangeTimeout = exchangeTimeout;
    }

    /** One client as the API shows it; {@code framing} is the client's framing ("none" without one). */
    record ClientView(String name, String state, boolean connected, String host, int port, String remoteAddress, String framing,
            int exchangesInFlight, long bufferedInputBytes, long bufferedOutputBytes, long pendingBytes, long reconnects,
            int reconnectAttempt, String lastError, String lastErrorAt) {

        static ClientView of(BufferEventClient c) {
            return new ClientView(c.name(), c.state().name(), c.isConnected(), c.host(), c.port(),
                    c.remoteAddress() == null ? null : c.remoteAddress().toString(),
                    c.framing() == null ? "none" : c.framing().toString(), c.exchangesInFlight(), c.bufferedInput(),
                    c.bufferedOutput(), c.pendingBytes(), c.reconnects(), c.reconnectAttempt(),
                    c.lastError() == null ? null : c.lastError().toString(), c.lastErrorAt() == null ? null : c.lastErrorAt().toString());
        }
    }

    /** The reply to an exchange (UTF-8) and how long it took from the call to the reply. */
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
        return ClientView.of(lookup.get(name));
    }

    /**
     * Sends the body ({@link ExchangeBody}) as one frame and answers with the reply frame. The
     * client's framing decides what one frame may hold: line framing refuses a body with a line
     * end of its own (400), since it would be two requests on the wire and hand later callers each
     * other's replies.
     */
    @PostMapping("/clients/{name}/exchange")
    ExchangeResult exchange(@PathVariable String name, HttpServletRequest request) throws Exception {
        BufferEventClient client = lookup.get(name);
        byte[] frame = ExchangeBody.read(request);
        long start = System.nanoTime();
        CompletableFuture<ExchangeResult> result = client.exchange(frame)
                .thenApply(reply -> new ExchangeResult(name, new String(reply, StandardCharsets.UTF_8), (System.nanoTime() - start) / 1_000));
        try {
            return result.get(exchangeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw requestOrReplyFailure(name, e.getCause());
        } catch (TimeoutException e) {
            throw new ReplyTimeoutException("no reply from client '" + name + "' within " + exchangeTimeout.toMillis()
                    + " ms (demo.exchange-timeout)");
        }
    }

    /**
     * The exchange's failure as the API reports it. A frame over the framing's limit is the
     * request's fault (400) when the exception says the request was (the framing refused to encode
     * it, nothing was sent); a reply over it is the peer's ({@link ApiErrors}: 502).
     */
    private static Exception requestOrReplyFailure(String name, Throwable cause) {
        if (cause instanceof FrameTooLongException tooLong && tooLong.direction() == FrameTooLongException.Direction.REQUEST) {
            return new BadRequestException("the request is too long for client '" + name + "': " + tooLong.getMessage());
        }
        return cause instanceof Exception e ? e : new IllegalStateException(cause);
    }

    /** No reply within the exchange timeout (504). */
    static final class ReplyTimeoutException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReplyTimeoutException(String message) {
            super(message);
        }
    }
}
