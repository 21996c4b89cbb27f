package io.github.bufferevent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.client.FrameTooLongException.Direction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The built-in framings as a table: what goes on the wire, what comes back, what is refused. */
class FramingTest {

    /** CSV rows cannot hold line ends: {CR}, {LF} and {NUL} stand for them ({5} for the byte 5). */
    private static String esc(String s) {
        return s.replace("{CR}", "\r").replace("{LF}", "\n").replace("{NUL}", "\u0000").replace("{5}", "\u0005");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String encoded(Framing f, String frame) {
        EvBuffer out = new EvBuffer();
        f.encode(b(frame), out);
        byte[] all = new byte[(int) out.length()];
        out.remove(all);
        return s(all);
    }

    /** Feeds {@code wire} one byte at a time (the worst split) and collects the decoded frames. */
    private static List<String> decodedBytewise(Framing f, String wire) {
        EvBuffer in = new EvBuffer();
        List<String> frames = new ArrayList<>();
        for (byte x : b(wire)) {
            in.add(new byte[] {x});
            byte[] frame;
            while ((frame = f.decode(in)) != null) {
                frames.add(s(frame));
            }
        }
        return frames;
    }

    @ParameterizedTest(name = "line {0}: {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "CRLF|hello|hello{CR}{LF}",
        "CRLF_STRICT|hello|hello{CR}{LF}",
        "ANY|hello|hello{CR}{LF}",
        "LF|hello|hello{LF}",
        "NUL|hello|hello{NUL}",
        "LF|a{CR}b|a{CR}b{LF}",
    })
    void lineEncodesOneLineWithItsEnd(EolStyle style, String frame, String wire) {
        assertThat(encoded(Framing.line(style, 100), esc(frame))).isEqualTo(esc(wire));
    }

    @ParameterizedTest(name = "line {0} refuses {1}")
    @CsvSource(delimiter = '|', value = {
        "CRLF|evil{CR}{LF}INJECTED|CR",
        "CRLF|evil{LF}INJECTED|LF",
        "CRLF|evil{CR}INJECTED|CR",
        "CRLF_STRICT|a{CR}{LF}b|CR",
        "ANY|a{LF}b|LF",
        "LF|a{LF}b|LF",
        "NUL|a{NUL}b|NUL",
    })
    void lineRefusesAFrameHoldingItsOwnLineEnd(EolStyle style, String frame, String what) {
        EvBuffer out = new EvBuffer();
        assertThatThrownBy(() -> Framing.line(style, 100).encode(b(esc(frame)), out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(what);
        assertThat(out.length()).as("nothing written").isZero();
    }

    @Test
    void lineDecodesAcrossAnySplitWithoutTheLineEnd() {
        assertThat(decodedBytewise(Framing.line(EolStyle.CRLF, 100), "one\r\ntwo\nthree\r\n")).containsExactly("one", "two", "three");
        assertThat(decodedBytewise(Framing.line(EolStyle.NUL, 100), "a\u0000b\u0000")).containsExactly("a", "b");
    }

    @Test
    void lineAnyTakesExactlyOneLineEndPerFrameAndWaitsOnATrailingCr() {
        Framing f = Framing.line(EolStyle.ANY, 100);
        // Every split, byte by byte: a CR at the end of what arrived must not end a line on its own.
        assertThat(decodedBytewise(f, "ok\r\n\r\nnext\rlast\n")).containsExactly("ok", "", "next", "last");
        EvBuffer in = new EvBuffer();
        in.add(b("ok\r"));
        assertThat(f.decode(in)).isNull();
        in.add(b("\nmore\n"));
        assertThat(s(f.decode(in))).isEqualTo("ok");
        assertThat(s(f.decode(in))).isEqualTo("more");
        assertThat(f.decode(in)).isNull();
    }

    @Test
    void aLineOverTheLimitThrowsWithOrWithoutItsEnd() {
        Framing f = Framing.line(EolStyle.CRLF, 4);
        EvBuffer whole = new EvBuffer();
        whole.add(b("12345\r\n"));
        assertThatThrownBy(() -> f.decode(whole)).isInstanceOf(FrameTooLongException.class).hasMessageContaining("4 bytes");
        EvBuffer endless = new EvBuffer();
        endless.add(b("1234567"));
        assertThatThrownBy(() -> f.decode(endless)).isInstanceOf(FrameTooLongException.class);
        EvBuffer exact = new EvBuffer();
        exact.add(b("1234\r\n"));
        assertThat(s(f.decode(exact))).isEqualTo("1234");
        assertThatThrownBy(() -> f.encode(b("12345"), new EvBuffer())).isInstanceOf(FrameTooLongException.class);
    }

    @ParameterizedTest(name = "lengthField({0})")
    @CsvSource({"1, 255", "2, 65535", "4, 100000"})
    void lengthFieldRoundTripsAndCountsThePayloadOnly(int fieldBytes, int max) {
        Framing f = Framing.lengthField(fieldBytes, max);
        String wire = encoded(f, "abc") + encoded(f, "") + encoded(f, "x".repeat(200));
        assertThat(wire.length()).isEqualTo(3 * fieldBytes + 203);
        assertThat(wire.charAt(fieldBytes - 1)).isEqualTo((char) 3);
        assertThat(decodedBytewise(f, wire)).containsExactly("abc", "", "x".repeat(200));
    }

    @Test
    void lengthFieldIsUnsignedBigEndianAndRefusesWhatIsOverTheLimitBeforeItArrives() {
        Framing f = Framing.lengthField(2, 1000);
        assertThat(encoded(f, "x".repeat(300)).substring(0, 2)).isEqualTo("\u0001\u002c");
        EvBuffer in = new EvBuffer();
        in.add(new byte[] {(byte) 0xff, (byte) 0xff});
        assertThatThrownBy(() -> f.decode(in)).isInstanceOf(FrameTooLongException.class).hasMessageContaining("65535");
        assertThatThrownBy(() -> f.encode(new byte[1001], new EvBuffer())).isInstanceOf(FrameTooLongException.class);
    }

    @Test
    void delimiterFramesAndRefusesTheDelimiterInside() {
        Framing f = Framing.delimiter(b("||"), 10);
        assertThat(encoded(f, "a|b")).isEqualTo("a|b||");
        assertThat(decodedBytewise(f, "a|b||||c||")).containsExactly("a|b", "", "c");
        assertThatThrownBy(() -> f.encode(b("x||y"), new EvBuffer())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delimiter at byte 1");
        EvBuffer endless = new EvBuffer();
        endless.add(b("12345678901|"));
        assertThatThrownBy(() -> f.decode(endless)).isInstanceOf(FrameTooLongException.class);
    }

    /**
     * Each built-in over its limit of 4, both ways: encoding a 5-byte request, and decoding what
     * arrived (a whole 5-byte frame, or 5 bytes with no end in sight). Bytes are written as text,
     * with {LF} for a line feed and \u0005 for the length header.
     */
    @ParameterizedTest(name = "{0}: {2} bytes arrived")
    @CsvSource(textBlock = """
            line,      12345{CR}{LF}, 7
            line,      12345678,      8
            length,    {5}12345,      6
            delimiter, 12345||,       7
            delimiter, 123456,        6
            """)
    void aFrameOverTheLimitSaysWhetherTheRequestOrTheReplyWasTooLong(String framing, String arrived, int bytes) {
        Framing f = switch (framing) {
            case "line" -> Framing.line(EolStyle.CRLF, 4);
            case "length" -> Framing.lengthField(1, 4);
            default -> Framing.delimiter(b("||"), 4);
        };
        FrameTooLongException request = catchThrowableOfType(FrameTooLongException.class, () -> f.encode(b("12345"), new EvBuffer()));
        assertThat(request.direction()).isEqualTo(Direction.REQUEST);
        assertThat(request.isReply()).isFalse();
        assertThat(request).hasMessage("request frame of 5 bytes is over the limit of 4 bytes (framing max-frame-length); "
                + "nothing was sent");

        EvBuffer in = new EvBuffer();
        in.add(b(esc(arrived)));
        assertThat(in.length()).isEqualTo(bytes);
        FrameTooLongException reply = catchThrowableOfType(FrameTooLongException.class, () -> f.decode(in));
        assertThat(reply.direction()).isEqualTo(Direction.REPLY);
        assertThat(reply.isReply()).isTrue();
        assertThat(reply).hasMessageStartingWith("reply frame of ").hasMessageContaining("over the limit of 4 bytes");
    }

    @Test
    void aFrameOverTheLimitWhoseFramingDidNotSayWhichWayIsUnknownUntilAClientSays() {
        FrameTooLongException unsaid = new FrameTooLongException(7, 4);
        assertThat(unsaid.direction()).isEqualTo(Direction.UNKNOWN);
        assertThat(unsaid).hasMessage("frame of 7 bytes is over the limit of 4 bytes (framing max-frame-length)");
        assertThat(unsaid.goingIfUnknown(Direction.REPLY).direction()).isEqualTo(Direction.REPLY);
        assertThat(unsaid).hasMessageStartingWith("reply frame of 7 bytes");
        assertThat(FrameTooLongException.request(7, 4).goingIfUnknown(Direction.REPLY).direction()).isEqualTo(Direction.REQUEST);
    }

    @Test
    void rawTakesWhateverArrived() {
        EvBuffer in = new EvBuffer();
        assertThat(Framing.raw().decode(in)).isNull();
        in.add(b("any bytes\r\n"));
        assertThat(s(Framing.raw().decode(in))).isEqualTo("any bytes\r\n");
        assertThat(encoded(Framing.raw(), "x\r\ny")).isEqualTo("x\r\ny");
    }

    @Test
    void badArgumentsNameTheArgumentAndTheRange() {
        assertThatThrownBy(() -> Framing.line(EolStyle.LF, 0)).hasMessageContaining("maxLength must be in 1..");
        assertThatThrownBy(() -> Framing.lengthField(3, 10)).hasMessageContaining("fieldBytes must be 1, 2 or 4, was 3");
        assertThatThrownBy(() -> Framing.lengthField(1, 256)).hasMessageContaining("maxLength must be in 1..255, was 256");
        assertThatThrownBy(() -> Framing.lengthField(2, 65536)).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> Framing.delimiter(new byte[0], 10)).hasMessageContaining("delimiter must not be empty");
        assertThatThrownBy(() -> Framing.line(null, 10)).isInstanceOf(NullPointerException.class).hasMessageContaining("style");
    }

    @Test
    void respFramingFromTheTestsDecodesWholeNestedReplies() {
        RespFraming f = new RespFraming(1 << 20);
        assertThat(encoded(f, "SET k v")).isEqualTo("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
        String wire = "+OK\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n-ERR no\r\n";
        assertThat(decodedBytewise(f, wire)).containsExactly("+OK\r\n", ":42\r\n", "$5\r\nhello\r\n", "$-1\r\n",
                "*2\r\n$1\r\na\r\n*1\r\n:1\r\n", "-ERR no\r\n");
    }
}
