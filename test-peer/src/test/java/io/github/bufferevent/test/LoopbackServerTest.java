package io.github.bufferevent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each behaviour of {@link LoopbackServer}, seen from a plain blocking socket (a real client: {@code LoopbackServerClientTest} in bufferevent-test). */
@LoopbackServer(LoopbackServer.Kind.LINE_ECHO)
class LoopbackServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void theClassServerEchoesLinesWithTheirLineEnds(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            s.getOutputStream().write("one\r\ntwo\npart".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(s, 9)).isEqualTo("one\r\ntwo\n");
            server.awaitReceived("part", WAIT);
            assertThat(server.receivedText()).isEqualTo("one\r\ntwo\npart");
        }
    }

    @Test
    @LoopbackServer(LoopbackServer.Kind.ECHO)
    void theMethodsOwnServerWinsOverTheClasss(LoopbackPeer server) throws IOException {
        assertThat(server.behavior()).hasToString("echo");
        try (Socket s = connect(server)) {
            s.getOutputStream().write("no line end".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(s, 11)).isEqualTo("no line end");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void lengthFieldEchoSendsWholeFramesBack(int fieldBytes) throws IOException {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.lengthFieldEcho(fieldBytes)); Socket s = connect(server)) {
            byte[] frame = new byte[fieldBytes + 3];
            frame[fieldBytes - 1] = 3;
            frame[fieldBytes] = 'a';
            frame[fieldBytes + 1] = 'b';
            frame[fieldBytes + 2] = 'c';
            s.getOutputStream().write(frame, 0, fieldBytes + 1); // header and a partial payload: nothing comes back yet
            server.awaitReceived(fieldBytes + 1, WAIT);
            s.getOutputStream().write(frame, fieldBytes + 1, 2);
            assertThat(readBytes(s, frame.length)).containsExactly(frame);
        }
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.LENGTH_FIELD_ECHO, lengthFieldBytes = 1)
    void theAnnotationSetsTheHeaderSize(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            s.getOutputStream().write(new byte[] {1, 'x'});
            assertThat(readBytes(s, 2)).containsExactly(1, 'x');
        }
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.SCRIPTED, script = {"PING -> PONG", "GET a -> 1"})
    void aScriptAnswersTheLinesItKnowsAndNothingElse(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            s.getOutputStream().write("PING\r\nWHAT\r\nGET a\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(s, 8)).isEqualTo("PONG\r\n1\n");
            assertSilentFor(s);
        }
    }

    /** The function of the next test. */
    static final class Upper implements Function<String, String> {
        @Override
        public String apply(String line) {
            return line.isEmpty() ? null : line.toUpperCase(Locale.ROOT);
        }
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.SCRIPTED, scriptFunction = Upper.class)
    void aScriptFunctionAnswersEachLine(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            s.getOutputStream().write("abc\n\nxyz\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(s, 9)).isEqualTo("ABC\nXYZ\r\n");
        }
    }

    @Test
    @LoopbackServer(LoopbackServer.Kind.SILENT)
    void silentAcceptsAndReadsButNeverAnswers(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            s.getOutputStream().write("anyone?\n".getBytes(StandardCharsets.US_ASCII));
            server.awaitReceived("anyone?\n", WAIT);
            assertThat(server.accepted()).isEqualTo(1);
            assertSilentFor(s);
        }
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.CLOSE_AFTER, bytes = 3)
    void closeAfterEchoesThatManyBytesThenSendsEof(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(readToEof(s)).isEqualTo("hel");
        }
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.CLOSE_AFTER)
    void closeAfterZeroClosesOnAccept(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            assertThat(readToEof(s)).isEmpty();
        }
    }

    @Test
    @LoopbackServer(LoopbackServer.Kind.RESET)
    void resetResetsOnAccept(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            assertThatThrownBy(() -> readToEof(s)).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        }
    }

    @Test
    @LoopbackServer(value = LoopbackServer.Kind.RESET, bytes = 2)
    void resetAfterEchoesThatManyBytesThenResets(LoopbackPeer server) throws IOException {
        try (Socket s = connect(server)) {
            s.getOutputStream().write("ab".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            assertThatThrownBy(() -> readInto(s, got)).isInstanceOf(SocketException.class).hasMessageContaining("reset");
            // The echo may or may not arrive before the RST discards it; nothing else does.
            assertThat("ab").startsWith(got.toString(StandardCharsets.US_ASCII));
        }
    }

    @Test
    @LoopbackServer(LoopbackServer.Kind.LINE_ECHO)
    void stopResetsTheConnectionsAndRestartListensOnTheSamePort(LoopbackPeer server) throws IOException {
        int port = server.port();
        try (Socket s = connect(server)) {
            server.awaitAccepted(1, WAIT);
            server.stop();
            assertThat(server.isRunning()).isFalse();
            assertThatThrownBy(() -> readToEof(s)).isInstanceOf(SocketException.class);
        }
        assertThatThrownBy(() -> connect(server)).isInstanceOf(ConnectException.class);
        server.restart();
        assertThat(server.port()).isEqualTo(port);
        try (Socket s = connect(server)) {
            s.getOutputStream().write("back\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readExactly(s, 5)).isEqualTo("back\n");
        }
        assertThat(server.accepted()).isEqualTo(2);
    }

    @Test
    void aReadPauseMakesASlowReader() throws IOException {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.silent()).readPause(Duration.ofMillis(1)); Socket s = connect(server)) {
            byte[] data = new byte[256 * 1024];
            s.getOutputStream().write(data);
            assertThat(server.awaitReceived(data.length, Duration.ofSeconds(30))).hasSize(data.length);
        }
    }

    @Test
    void awaitingWhatNeverComesFailsSayingWhatCame() {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.silent())) {
            assertThatThrownBy(() -> server.awaitReceived("x", Duration.ofMillis(300))).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("received \"\"");
            assertThatThrownBy(() -> server.awaitAccepted(1, Duration.ofMillis(300))).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("accepted 0 of 1");
        }
    }

    @Test
    void aClosedPeerCannotRestart() {
        LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo());
        server.close();
        server.close();
        assertThatThrownBy(server::restart).isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------ a blocking client

    static Socket connect(LoopbackPeer server) throws IOException {
        Socket s = new Socket(server.host(), server.port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static byte[] readBytes(Socket s, int n) throws IOException {
        return s.getInputStream().readNBytes(n);
    }

    private static String readExactly(Socket s, int n) throws IOException {
        return new String(readBytes(s, n), StandardCharsets.US_ASCII);
    }

    private static String readToEof(Socket s) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        readInto(s, got);
        return got.toString(StandardCharsets.US_ASCII);
    }

    private static void readInto(Socket s, ByteArrayOutputStream into) throws IOException {
        InputStream in = s.getInputStream();
        int c;
        while ((c = in.read()) >= 0) {
            into.write(c);
        }
    }

    /** Nothing more comes within 300 ms (the one bounded negative wait of these tests). */
    private static void assertSilentFor(Socket s) throws IOException {
        s.setSoTimeout(300);
        assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
    }
}
