package io.github.bufferevent.demo;

/** A request the API refuses (400); the message says what was wrong and what is allowed. */
final class BadRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BadRequestException(String message) {
        super(message);
    }
}
