package io.github.bufferevent.demo;

import io.github.bufferevent.client.DisconnectedException;
import io.github.bufferevent.client.ExchangeRejectedException;
import io.github.bufferevent.client.FrameTooLongException;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Maps the API's failures, the client library's included, to RFC 9457 problem details that say
 * what was wrong. Threads: request threads.
 */
@RestControllerAdvice(assignableTypes = {ClientsController.class, LoadsController.class})
class ApiErrors {

    @ExceptionHandler(NoSuchElementException.class)
    ProblemDetail notFound(NoSuchElementException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(BadRequestException.class)
    ProblemDetail badRequest(BadRequestException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    /** The client's framing refused the frame: a line or delimiter framing's own delimiter inside it. */
    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail notOneFrame(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ProblemDetail badParameter(MethodArgumentTypeMismatchException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", "parameter '" + e.getName() + "' must be a number, was '" + e.getValue() + "'");
    }

    /**
     * Not connected, the connection lost before the reply, or refused at once (max-in-flight
     * outstanding, the pending limit, closed, {@code pending-while-disconnected=reject}); also a
     * client without a framing (its {@code IllegalStateException} names the property to set).
     */
    @ExceptionHandler({ClientDisconnectedException.class, DisconnectedException.class, ExchangeRejectedException.class,
        IllegalStateException.class})
    ProblemDetail unavailable(Exception e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "Client unavailable", e.getMessage());
    }

    /** The reply was over the framing's limit (the client closed that connection and reconnects). */
    @ExceptionHandler(FrameTooLongException.class)
    ProblemDetail replyTooLong(FrameTooLongException e) {
        return problem(HttpStatus.BAD_GATEWAY, "Reply too long", e.getMessage());
    }

    @ExceptionHandler(TooManyRunsException.class)
    ProblemDetail tooManyRuns(TooManyRunsException e) {
        return problem(HttpStatus.TOO_MANY_REQUESTS, "Too many load runs", e.getMessage());
    }

    /** No reply within demo.exchange-timeout (the request's own wait) or the client's reply-timeout. */
    @ExceptionHandler({ClientsController.ReplyTimeoutException.class, TimeoutException.class})
    ProblemDetail timeout(Exception e) {
        return problem(HttpStatus.GATEWAY_TIMEOUT, "Reply timeout", e.getMessage());
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return p;
    }
}
