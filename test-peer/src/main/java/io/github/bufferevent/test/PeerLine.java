package io.github.bufferevent.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** One line read from a peer's (buffered) stream: its text and its line end apart. */
final class PeerLine {
    private static final byte[] LF = {'\n'};
    private static final byte[] CRLF = {'\r', '\n'};

    final byte[] text;
    final byte[] eol;

    private PeerLine(byte[] text, byte[] eol) {
        this.text = text;
        this.eol = eol;
    }

    /** The next whole line (LF or CR LF), or null at EOF (a partial last line is dropped). */
    static PeerLine read(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                if (b.length > 0 && b[b.length - 1] == '\r') {
                    return new PeerLine(Arrays.copyOf(b, b.length - 1), CRLF);
                }
                return new PeerLine(b, LF);
            }
            line.write(c);
        }
        return null;
    }
}
