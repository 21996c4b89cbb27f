package io.github.bufferevent.demo;

import java.util.NoSuchElementException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** Maps the API's failures to RFC 9457 problem details that say what was wrong. */
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

    @ExceptionHandler(LineRequest.InvalidLineException.class)
    ProblemDetail notOneLine(LineRequest.InvalidLineException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ProblemDetail badParameter(MethodArgumentTypeMismatchException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", "parameter '" + e.getName() + "' must be a number, was '" + e.getValue() + "'");
    }

    @ExceptionHandler({ClientDisconnectedException.class, TooManyWaitersException.class, IllegalStateException.class})
    ProblemDetail unavailable(RuntimeException e) {
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "Client unavailable", e.getMessage());
    }

    @ExceptionHandler(TooManyRunsException.class)
    ProblemDetail tooManyRuns(TooManyRunsException e) {
        return problem(HttpStatus.TOO_MANY_REQUESTS, "Too many load runs", e.getMessage());
    }

    @ExceptionHandler(ClientsController.ReplyTimeoutException.class)
    ProblemDetail timeout(ClientsController.ReplyTimeoutException e) {
        return problem(HttpStatus.GATEWAY_TIMEOUT, "Reply timeout", e.getMessage());
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return p;
    }
}
