package io.github.bufferevent.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bufferevent.BevFilterResult;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Each end-of-line rule of {@link LineLengthFilter}, whole and fed a byte at a time. */
class LineLengthFilterTest {

    /** style, max, input, bytes passed before the ERROR (-1: no ERROR, all passed). */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(EolStyle.CRLF, 3, "abc\r\nabc\n", -1),
                Arguments.of(EolStyle.CRLF, 3, "abcd\r\n", 3),
                Arguments.of(EolStyle.CRLF, 3, "abc\r\r\n", 4), // "abc\r" is 4 bytes: the first CR is the line's
                Arguments.of(EolStyle.CRLF, 3, "ab\r\r\n", -1), // "ab\r"
                Arguments.of(EolStyle.CRLF, 3, "abc\rd", 4),
                Arguments.of(EolStyle.CRLF_STRICT, 3, "ab\r\nab\r\n", -1),
                Arguments.of(EolStyle.CRLF_STRICT, 3, "ab\ncd\r\n", 3), // a lone LF is in the line
                Arguments.of(EolStyle.LF, 3, "abc\n", -1),
                Arguments.of(EolStyle.LF, 3, "abc\r\n", 3), // the CR is in the line
                Arguments.of(EolStyle.ANY, 3, "abc\r\rdef\n\nghi", -1),
                Arguments.of(EolStyle.ANY, 3, "abc\r\rdefg", 8),
                Arguments.of(EolStyle.NUL, 3, "abc\0d\ne\0", -1),
                Arguments.of(EolStyle.NUL, 3, "ab\ncd\0", 3),
                Arguments.of(EolStyle.CRLF, 1, "\n\n\r\nx\n", -1),
                Arguments.of(EolStyle.CRLF, 5, "abcde", -1)); // a last line without its end, within the limit
    }

    @ParameterizedTest(name = "{0} max {1}: {2}")
    @MethodSource("cases")
    void passesLinesWithinTheLimitAndStopsAtTheFirstByteOverIt(EolStyle style, int max, String input, int passedBeforeError) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        int expectPassed = passedBeforeError < 0 ? bytes.length : passedBeforeError;
        BevFilterResult expect = passedBeforeError < 0 ? BevFilterResult.OK : BevFilterResult.ERROR;

        EvBuffer src = buffer(bytes);
        EvBuffer dst = new EvBuffer();
        assertThat(new LineLengthFilter(max, style).filter(src, dst, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(expect);
        assertThat(dst.length()).isEqualTo(expectPassed);
        assertThat(src.length()).isEqualTo(bytes.length - expectPassed);

        // The same, a byte per call: the filter keeps the state of the line between calls.
        LineLengthFilter filter = new LineLengthFilter(max, style);
        EvBuffer one = new EvBuffer();
        EvBuffer out = new EvBuffer();
        BevFilterResult last = BevFilterResult.OK;
        for (int i = 0; i < bytes.length && last == BevFilterResult.OK; i++) {
            one.add(bytes, i, 1);
            last = filter.filter(one, out, Long.MAX_VALUE, BevFlush.NORMAL);
        }
        assertThat(last).isEqualTo(expect);
        assertThat(out.length()).isEqualTo(expectPassed);
    }

    @Test
    void passesNoMoreThanDstLimitAndKeepsTheRestForTheNextCall() {
        EvBuffer src = buffer("abcdefgh\n".getBytes(StandardCharsets.US_ASCII));
        EvBuffer dst = new EvBuffer();
        LineLengthFilter filter = new LineLengthFilter(10, EolStyle.LF);
        assertThat(filter.filter(src, dst, 4, BevFlush.NORMAL)).isEqualTo(BevFilterResult.OK);
        assertThat(dst.length()).isEqualTo(4);
        assertThat(filter.filter(src, dst, 100, BevFlush.FINISHED)).isEqualTo(BevFilterResult.OK);
        assertThat(dst.readLine(EolStyle.LF)).isEqualTo("abcdefgh");
    }

    @Test
    void longLinesAreScannedAcrossBlocks() {
        EvBuffer src = buffer(("x".repeat(10_000) + "\n" + "y".repeat(10_001)).getBytes(StandardCharsets.US_ASCII));
        EvBuffer dst = new EvBuffer();
        assertThat(new LineLengthFilter(10_000).filter(src, dst, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(BevFilterResult.ERROR);
        assertThat(dst.length()).isEqualTo(20_001);
    }

    @Test
    void constructorArgumentsAreChecked() {
        assertThatThrownBy(() -> new LineLengthFilter(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLength must be in 1..2147483647, was 0");
        assertThatThrownBy(() -> new LineLengthFilter(5, null)).isInstanceOf(NullPointerException.class).hasMessage("eol");
        assertThat(new LineLengthFilter(5)).hasToString("LineLengthFilter(maxLength=5, eol=CRLF)");
    }

    static EvBuffer buffer(byte[] bytes) {
        EvBuffer b = new EvBuffer();
        b.add(bytes);
        return b;
    }
}
