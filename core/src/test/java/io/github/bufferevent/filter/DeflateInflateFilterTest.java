package io.github.bufferevent.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bufferevent.BevFilterResult;
import io.github.bufferevent.BevFlush;
import io.github.bufferevent.EvBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link DeflateFilter} and {@link InflateFilter} on plain buffers: the flush modes and every ERROR. */
class DeflateInflateFilterTest {

    private final DeflateFilter deflate = new DeflateFilter();
    private final InflateFilter inflate = new InflateFilter();
    private final EvBuffer plain = new EvBuffer();
    private final EvBuffer wire = new EvBuffer();
    private final EvBuffer out = new EvBuffer();

    @Test
    void flushMakesEverythingSoFarInflatableAndFinishedEndsTheStream() {
        byte[] first = text(20_000);
        plain.add(first);
        assertThat(deflate.filter(plain, wire, Long.MAX_VALUE, BevFlush.FLUSH)).isEqualTo(BevFilterResult.OK);
        assertThat(plain.length()).isZero();
        assertThat(inflate.filter(wire, out, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(BevFilterResult.OK);
        assertThat(take(out)).isEqualTo(first);

        byte[] second = text(5_000);
        plain.add(second);
        assertThat(deflate.filter(plain, wire, Long.MAX_VALUE, BevFlush.FINISHED)).isEqualTo(BevFilterResult.OK);
        assertThat(inflate.filter(wire, out, Long.MAX_VALUE, BevFlush.FINISHED)).isEqualTo(BevFilterResult.OK);
        assertThat(take(out)).isEqualTo(second);

        assertThat(deflate.filter(plain, wire, Long.MAX_VALUE, BevFlush.FINISHED)).as("FINISHED again, nothing new").isEqualTo(BevFilterResult.OK);
        plain.add(new byte[1]);
        assertThat(deflate.filter(plain, wire, Long.MAX_VALUE, BevFlush.NORMAL)).as("data after the trailer").isEqualTo(BevFilterResult.ERROR);
    }

    @Test
    void deflateStopsTakingInputOnceItReachedDstLimit() {
        byte[] random = new byte[100_000];
        new SplittableRandom(3).nextBytes(random);
        plain.add(random);
        assertThat(deflate.filter(plain, wire, 10_000, BevFlush.NORMAL)).isEqualTo(BevFilterResult.OK);
        assertThat(plain.length()).as("input left for the next call").isPositive();
        assertThat(wire.length()).isLessThan(10_000 + 8192 + 64);
    }

    @Test
    void inflateNeedsMoreForAPartialHeaderAndWaitsForTheRest() {
        plain.add(text(1000));
        deflate.filter(plain, wire, Long.MAX_VALUE, BevFlush.FINISHED);
        EvBuffer first = new EvBuffer();
        wire.removeBuffer(first, 1);
        assertThat(inflate.filter(first, out, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(BevFilterResult.NEED_MORE);
        assertThat(inflate.filter(wire, out, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(BevFilterResult.OK);
        assertThat(take(out)).isEqualTo(text(1000));
    }

    @Test
    void inflateFailsOnGarbageOnBytesAfterTheEndAndOnAStreamCutShort() {
        wire.add("not zlib at all".getBytes(StandardCharsets.US_ASCII));
        assertThat(new InflateFilter().filter(wire, out, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(BevFilterResult.ERROR);

        EvBuffer stream = new EvBuffer();
        plain.add(text(100));
        new DeflateFilter().filter(plain, stream, Long.MAX_VALUE, BevFlush.FINISHED);
        stream.add(new byte[] {1, 2, 3});
        assertThat(new InflateFilter().filter(stream, out, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(BevFilterResult.ERROR);
        assertThat(stream.length()).as("the bytes after the end stay").isEqualTo(3);

        EvBuffer cut = new EvBuffer();
        plain.add(text(100));
        new DeflateFilter().filter(plain, cut, Long.MAX_VALUE, BevFlush.FLUSH);
        InflateFilter f = new InflateFilter();
        assertThat(f.filter(cut, out, Long.MAX_VALUE, BevFlush.NORMAL)).isEqualTo(BevFilterResult.OK);
        assertThat(f.filter(cut, out, Long.MAX_VALUE, BevFlush.FINISHED)).as("EOF without the trailer").isEqualTo(BevFilterResult.ERROR);

        assertThat(new InflateFilter().filter(new EvBuffer(), out, Long.MAX_VALUE, BevFlush.FINISHED)).as("nothing ever sent")
                .isEqualTo(BevFilterResult.NEED_MORE);
    }

    @Test
    void constructorArgumentsAreChecked() {
        assertThatThrownBy(() -> new DeflateFilter(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("level must be in -1..9 (-1 = zlib's default), was 10");
        assertThatThrownBy(() -> new DeflateFilter(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("level must be in -1..9 (-1 = zlib's default), was -2");
        DeflateFilter closed = new DeflateFilter(0);
        closed.close();
        assertThat(closed).hasToString("DeflateFilter(level=0)");
    }

    private static byte[] text(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < n; i++) {
            sb.append("line ").append(i).append(" of some text\n");
        }
        return sb.substring(0, n).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] take(EvBuffer b) {
        byte[] all = new byte[(int) b.length()];
        b.remove(all);
        return all;
    }
}
