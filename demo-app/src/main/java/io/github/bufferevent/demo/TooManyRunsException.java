package io.github.bufferevent.demo;

/** As many load runs are running as {@code demo.load.max-concurrent-runs} allows (429). */
final class TooManyRunsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    TooManyRunsException(int limit) {
        super(limit + " load runs are running, the most allowed at once (demo.load.max-concurrent-runs=" + limit
                + "): wait for one to finish or cancel one with DELETE /api/loads/{id}");
    }
}
