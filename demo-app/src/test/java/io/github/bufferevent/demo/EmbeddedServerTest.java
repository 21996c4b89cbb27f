package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The in-process peers on their own, over real loopback sockets with a plain blocking client (so
 * the test shares no code with what it tests): the frame server answers each length-prefixed frame
 * once and whole, however the bytes arrive; the line server echoes CR LF lines and closes a
 * connection that sends a line longer than it takes.
 */
@Timeout(30)
class EmbeddedServerTest {

    private EmbeddedServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
        s.setSoTimeout(10_000); // every read bounded
        s.setTcpNoDelay(true);
        return s;
    }

    private static byte[] frame(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] f = new byte[2 + p.length];
        f[0] = (byte) (p.length >>> 8);
        f[1] = (byte) p.length;
        System.arraycopy(p, 0, f, 2, p.length);
        return f;
    }

    private static String readFrame(DataInputStream in) throws IOException {
        int length = in.readUnsignedShort();
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Test
    void theFrameServerAnswersEachFrameUpperCasedWhateverTheSplit() throws Exception {
        server = new EmbeddedServer("test-frames-server", 0, new UpperCaseFramesProtocol());
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());

            // Three frames in one write, an empty one among them.
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            batch.write(frame("first"));
            batch.write(frame(""));
            batch.write(frame("third\r\nwith a line end"));
            out.write(batch.toByteArray());
            out.flush();
            assertThat(readFrame(in)).isEqualTo("FIRST");
            assertThat(readFrame(in)).isEqualTo("");
            assertThat(readFrame(in)).isEqualTo("THIRD\r\nWITH A LINE END");

            // One frame a byte at a time, each byte flushed on its own (TCP_NODELAY).
            for (byte b : frame("slowly, byte by byte")) {
                out.write(b);
                out.flush();
            }
            assertThat(readFrame(in)).isEqualTo("SLOWLY, BYTE BY BYTE");

            // The largest frame the 2-byte header counts, several times its reads' size.
            String big = "abc".repeat(21_845);
            out.write(frame(big));
            out.flush();
            assertThat(readFrame(in)).isEqualTo(big.toUpperCase());
        }
    }

    @Test
    void theLineServerEchoesLinesAndClosesAConnectionWhoseLineIsTooLong() throws Exception {
        server = new EmbeddedServer("test-line-server", 0, new LineEchoProtocol());
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("one\r\ntwo\r\nthr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write("ee\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] expected = "one\r\ntwo\r\nthree\r\n".getBytes(StandardCharsets.US_ASCII);
            assertThat(in.readNBytes(expected.length)).isEqualTo(expected);

            // No line end within the longest line (64 KiB) plus its CR: the server hangs up.
            out.write(new byte[LineEchoProtocol.MAX_LINE + 2]);
            out.flush();
            assertThat(readUntilClosed(in)).isTrue();
        }
    }

    /** Reads until the peer closes: true at EOF or reset (the server freed the connection). */
    private static boolean readUntilClosed(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // nothing is echoed for a partial line; keep reading until the close
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }
}
