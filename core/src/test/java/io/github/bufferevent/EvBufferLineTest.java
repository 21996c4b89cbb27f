package io.github.bufferevent;

import static io.github.bufferevent.EvBufferTest.bytes;
import static io.github.bufferevent.EvBufferTest.contents;
import static io.github.bufferevent.EvBufferTest.oneByteChunks;
import static io.github.bufferevent.EvBufferTest.randomChunks;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link EvBuffer#readLine} with libevent's exact end-of-line rules, over every chunk layout. */
class EvBufferLineTest {

    /** Ways to lay the same bytes out in a buffer. */
    enum Layout {
        ONE_ADD(s -> {
            EvBuffer b = new EvBuffer();
            b.add(bytes(s));
            return b;
        }),
        ONE_BYTE_ADDS(s -> {
            EvBuffer b = new EvBuffer();
            for (byte x : bytes(s)) {
                b.add(new byte[] {x});
            }
            return b;
        }),
        ONE_BYTE_CHUNKS(EvBufferTest::oneByteChunks),
        RANDOM_CHUNKS(s -> randomChunks(s, new Random(s.hashCode()), 3));

        final Function<String, EvBuffer> build;

        Layout(Function<String, EvBuffer> build) {
            this.build = build;
        }
    }

    /** style, input, expected first line (null: none), expected rest. */
    static Stream<Arguments> examples() {
        return Stream.of(
                Arguments.of(EolStyle.ANY, "a\r\n\r\nb", "a", "b"),
                Arguments.of(EolStyle.ANY, "a\n\r", "a", ""),
                Arguments.of(EolStyle.ANY, "a\rb", "a", "b"),
                Arguments.of(EolStyle.ANY, "\n\nx", "", "x"),
                Arguments.of(EolStyle.ANY, "abc", null, "abc"),
                Arguments.of(EolStyle.CRLF, "a\rb\n", "a\rb", ""),
                Arguments.of(EolStyle.CRLF, "ab\r\ncd", "ab", "cd"),
                Arguments.of(EolStyle.CRLF, "ab\ncd", "ab", "cd"),
                Arguments.of(EolStyle.CRLF, "\ncd", "", "cd"),
                Arguments.of(EolStyle.CRLF, "\r\n\r\n", "", "\r\n"),
                Arguments.of(EolStyle.CRLF, "ab\r", null, "ab\r"),
                Arguments.of(EolStyle.CRLF, "a\r\r\nb", "a\r", "b"),
                Arguments.of(EolStyle.CRLF_STRICT, "a\rb\r\n", "a\rb", ""),
                Arguments.of(EolStyle.CRLF_STRICT, "a\nb\r\nc", "a\nb", "c"),
                Arguments.of(EolStyle.CRLF_STRICT, "ab\r", null, "ab\r"),
                Arguments.of(EolStyle.CRLF_STRICT, "ab\n", null, "ab\n"),
                Arguments.of(EolStyle.CRLF_STRICT, "\r\r\n", "\r", ""),
                Arguments.of(EolStyle.LF, "ab\r\ncd", "ab\r", "cd"),
                Arguments.of(EolStyle.LF, "\n\n", "", "\n"),
                Arguments.of(EolStyle.LF, "ab\r", null, "ab\r"),
                Arguments.of(EolStyle.NUL, "ab\0cd\0", "ab", "cd\0"),
                Arguments.of(EolStyle.NUL, "ab\ncd", null, "ab\ncd"));
    }

    static Stream<Arguments> examplesInEveryLayout() {
        return examples().flatMap(a -> Stream.of(Layout.values()).map(l -> {
            Object[] x = a.get();
            return Arguments.of(x[0], x[1], x[2], x[3], l);
        }));
    }

    @ParameterizedTest(name = "{0} {4}: {1}")
    @MethodSource("examplesInEveryLayout")
    void readsFirstLine(EolStyle style, String input, String line, String rest, Layout layout) {
        EvBuffer b = layout.build.apply(input);
        EvBufferTest.Recorder r = new EvBufferTest.Recorder();
        b.addCallback(r);
        assertThat(b.readLine(style)).isEqualTo(line);
        assertThat(contents(b)).isEqualTo(rest);
        if (line == null) {
            assertThat(r.calls).isEmpty();
        } else {
            long n = input.length();
            assertThat(r.calls).containsExactly(n + ":0:" + (n - rest.length()));
        }
    }

    @ParameterizedTest
    @EnumSource(EolStyle.class)
    void eolSplitOverOneByteChunksForEveryStyle(EolStyle style) {
        String eol = style == EolStyle.NUL ? "\0" : style == EolStyle.LF ? "\n" : "\r\n";
        EvBuffer b = oneByteChunks("first" + eol + "second" + eol + "thi");
        assertThat(b.chunkCount()).isGreaterThan(15);
        assertThat(b.readLine(style)).isEqualTo("first");
        assertThat(b.readLine(style)).isEqualTo("second");
        assertThat(b.readLine(style)).isNull();
        assertThat(contents(b)).isEqualTo("thi");
        b.add(bytes("rd" + eol));
        assertThat(b.readLine(style)).isEqualTo("third");
        assertThat(b.length()).isZero();
        assertThat(b.chunkCount()).isZero();
    }

    @Test
    void crlfStrictTrailingCrWaitsForItsLfAcrossAdds() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("line\r"));
        assertThat(b.readLine(EolStyle.CRLF_STRICT)).isNull();
        assertThat(b.length()).isEqualTo(5);
        b.add(bytes("\nnext"));
        assertThat(b.readLine(EolStyle.CRLF_STRICT)).isEqualTo("line");
        assertThat(contents(b)).isEqualTo("next");
    }

    @Test
    void crlfStrictTrailingCrWaitsForItsLfAcrossChunks() {
        EvBuffer b = oneByteChunks("li\rne\r");
        assertThat(b.readLine(EolStyle.CRLF_STRICT)).isNull();
        EvBuffer more = oneByteChunks("\nx");
        b.addBuffer(more);
        assertThat(b.readLine(EolStyle.CRLF_STRICT)).isEqualTo("li\rne");
        assertThat(contents(b)).isEqualTo("x");
    }

    @Test
    void crlfSeesCrInAnEarlierChunk() {
        EvBuffer b = EvBufferTest.chunked("abc\r\ndef", 4, 4);
        assertThat(b.readLine(EolStyle.CRLF)).isEqualTo("abc");
        assertThat(contents(b)).isEqualTo("def");
    }

    @Test
    void anyRunSpansChunksButOnlyWhatIsBuffered() {
        EvBuffer b = oneByteChunks("a\r\n\r");
        assertThat(b.readLine(EolStyle.ANY)).isEqualTo("a");
        assertThat(b.length()).isZero();
        b.add(bytes("\nb\n"));
        // libevent: the LF that arrived later is an empty line of its own
        assertThat(b.readLine(EolStyle.ANY)).isEqualTo("");
        assertThat(b.readLine(EolStyle.ANY)).isEqualTo("b");
    }

    @Test
    void decodesUtf8AndReturnsRawBytes() {
        EvBuffer b = new EvBuffer();
        byte[] utf8 = "héllo wörld €\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // split inside a multi-byte character
        b.add(utf8, 0, 2);
        b.addBuffer(oneByteChunks(new String(utf8, 2, utf8.length - 2, ISO_8859_1)));
        b.add(new byte[] {(byte) 0xff, (byte) 0xfe, 'x', '\n'});
        assertThat(b.readLine(EolStyle.LF)).isEqualTo("héllo wörld €");
        assertThat(b.readLineBytes(EolStyle.LF)).containsExactly(0xff, 0xfe, 'x');
        assertThat(b.readLineBytes(EolStyle.LF)).isNull();
    }

    @Test
    void longLineAcrossManyChunks() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30000; i++) {
            sb.append((char) ('a' + i % 26));
        }
        EvBuffer b = new EvBuffer();
        b.add(bytes(sb.toString()));
        b.add(bytes("\r\nrest"));
        assertThat(b.readLine(EolStyle.CRLF_STRICT)).isEqualTo(sb.toString());
        assertThat(contents(b)).isEqualTo("rest");
    }

    /** Independent reference: {lineLength, eolLength} of the first line, or null. */
    static int[] referenceEol(String s, EolStyle style) {
        int i;
        switch (style) {
            case ANY: {
                int cr = s.indexOf('\r');
                int lf = s.indexOf('\n');
                i = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
                if (i < 0) {
                    return null;
                }
                int j = i;
                while (j < s.length() && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                    j++;
                }
                return new int[] {i, j - i};
            }
            case CRLF:
                i = s.indexOf('\n');
                if (i < 0) {
                    return null;
                }
                return i > 0 && s.charAt(i - 1) == '\r' ? new int[] {i - 1, 2} : new int[] {i, 1};
            case CRLF_STRICT:
                i = s.indexOf("\r\n");
                return i < 0 ? null : new int[] {i, 2};
            case LF:
                i = s.indexOf('\n');
                return i < 0 ? null : new int[] {i, 1};
            default:
                i = s.indexOf('\0');
                return i < 0 ? null : new int[] {i, 1};
        }
    }

    @ParameterizedTest
    @EnumSource(EolStyle.class)
    void randomizedAgainstReference(EolStyle style) {
        Random rnd = new Random(4242 + style.ordinal());
        String alphabet = "ab\r\n\0";
        for (int t = 0; t < 400; t++) {
            int n = rnd.nextInt(30);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String input = sb.toString();

            List<String> expected = new ArrayList<>();
            String rest = input;
            for (int[] eol; (eol = referenceEol(rest, style)) != null; ) {
                expected.add(rest.substring(0, eol[0]));
                rest = rest.substring(eol[0] + eol[1]);
            }
            for (EvBuffer b : List.of(oneByteChunks(input), randomChunks(input, rnd, 4), Layout.ONE_ADD.build.apply(input))) {
                List<String> got = new ArrayList<>();
                for (String line; (line = b.readLine(style)) != null; ) {
                    got.add(line);
                }
                String what = style + " case " + t + ": " + input.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
                assertThat(got).as(what).isEqualTo(expected);
                assertThat(contents(b)).as(what).isEqualTo(rest);
            }
        }
    }
}
