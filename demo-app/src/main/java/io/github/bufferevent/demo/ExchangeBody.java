package io.github.bufferevent.demo;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Arrays;

/**
 * The request body of {@code POST /api/clients/{name}/exchange}, as the frame to send: read raw
 * whatever its content type ({@code curl -d 'PING'} sends a form, which {@code @RequestBody String}
 * would turn into {@code PING=}), at most {@link #MAX_BYTES}, not empty, and without one final
 * CR LF or LF (what {@code echo PING | curl --data-binary @-} adds: the body's own terminator, not
 * part of the frame). Anything else is left to the client's framing, which refuses a frame it
 * cannot send as one (a line holding a line end of its own).
 *
 * <p>Stateless; any thread (request threads).
 */
final class ExchangeBody {

    /** The longest body taken: the {@code echo} client's 64KB line limit. */
    static final int MAX_BYTES = 64 * 1024;

    private ExchangeBody() {
    }

    /**
     * The frame {@code request}'s body carries.
     *
     * @throws BadRequestException if the body is empty or longer than {@link #MAX_BYTES}
     */
    static byte[] read(HttpServletRequest request) throws IOException {
        byte[] raw = request.getInputStream().readNBytes(MAX_BYTES + 1);
        if (raw.length > MAX_BYTES) {
            throw new BadRequestException("the request body is longer than " + MAX_BYTES + " bytes");
        }
        if (raw.length == 0) {
            throw new BadRequestException("the request body is empty: send the frame to write, e.g. curl -d 'PING'");
        }
        return withoutFinalLineEnd(raw);
    }

    /** {@code body} without one final CR LF or LF. */
    static byte[] withoutFinalLineEnd(byte[] body) {
        int n = body.length;
        if (n >= 2 && body[n - 2] == '\r' && body[n - 1] == '\n') {
            return Arrays.copyOf(body, n - 2);
        }
        if (n >= 1 && body[n - 1] == '\n') {
            return Arrays.copyOf(body, n - 1);
        }
        return body;
    }
}
