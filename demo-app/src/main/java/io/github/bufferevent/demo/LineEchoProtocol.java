package io.github.bufferevent.demo;

import io.github.bufferevent.EvBuffer;

/**
 * The {@code echo} peer's protocol: each CR LF line comes back as it is, line end included. A
 * line longer than {@link #MAX_LINE} bytes (without its line end) is refused: the connection is
 * closed rather than buffering it for ever. Stateless.
 *
 * <p>Threads: the server's loop thread (see {@link ServerProtocol}).
 */
final class LineEchoProtocol implements ServerProtocol {

    /** The longest line answered, as the {@code echo} client's {@code framing.max-frame-length} (64KB). */
    static final int MAX_LINE = 64 * 1024;

    private static final byte[] CRLF = {'\r', '\n'};

    @Override
    public boolean answer(EvBuffer in, EvBuffer out) {
        long eol;
        while ((eol = in.search(CRLF, 0)) >= 0) {
            if (eol > MAX_LINE) {
                return false;
            }
            in.removeBuffer(out, eol + 2);
        }
        // No line end yet: more than the longest line and its CR cannot become a valid line.
        return in.length() <= MAX_LINE + 1;
    }
}
