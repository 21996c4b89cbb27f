package io.github.bufferevent.demo;

import java.nio.charset.StandardCharsets;

/**
 * Turns a request into exactly one line on the wire: the text, then CR LF. The replies are
 * matched to their callers by counting lines, so a request that holds a line end of its own
 * (CR, LF, or NUL, which a NUL-delimited line server ends lines on) would be two requests with
 * one waiter and hand every later caller someone else's reply; it is refused instead. One line
 * end at the very end (CR LF or LF) is the line's own terminator and is accepted.
 *
 * <p>Stateless; any thread.
 */
final class LineRequest {

    private LineRequest() {
    }

    /**
     * The bytes to write for {@code request}: its UTF-8 text without its optional final CR LF or
     * LF, then CR LF.
     *
     * @throws InvalidLineException if the text holds a CR, LF or NUL anywhere else
     */
    static byte[] encode(String request) {
        String line = request.endsWith("\r\n") ? request.substring(0, request.length() - 2)
                : request.endsWith("\n") ? request.substring(0, request.length() - 1) : request;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') {
                throw new InvalidLineException(i, c);
            }
        }
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        byte[] wire = new byte[text.length + 2];
        System.arraycopy(text, 0, wire, 0, text.length);
        wire[text.length] = '\r';
        wire[text.length + 1] = '\n';
        return wire;
    }

    /** A request that would be more than one line (400). */
    static final class InvalidLineException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        InvalidLineException(int index, char c) {
            super("the request holds a line end of its own (" + (c == '\r' ? "CR" : c == '\n' ? "LF" : "NUL") + " at character "
                    + index + "): the line server would take it as two requests and the replies would reach the wrong callers;"
                    + " send one line, without CR, LF or NUL except one CR LF or LF at the very end");
        }
    }
}
