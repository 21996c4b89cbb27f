package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reading, writing, watermarks and flushing against real loopback peers. */
@Timeout(60)
class BufferEventDataTest {

    @Test
    void bytesFromTheServerArriveCompleteThenEofReading() throws Exception {
        byte[] sent = TestBytes.pattern(8333);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending(sent)); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            List<Integer> events = new ArrayList<>();
            bev.setCallbacks(b -> {
                byte[] chunk = new byte[(int) b.input().length()];
                assertThat(b.read(chunk)).isEqualTo(chunk.length);
                got.write(chunk, 0, chunk.length);
            }, null, (b, what) -> {
                events.add(what);
                if (what != BevEvent.CONNECTED) {
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.EOF | BevEvent.READING);
            assertThat(got.toByteArray()).isEqualTo(sent);
            assertThat(bev.totalRead()).isEqualTo(8333);
        }
    }

    @Test
    void readWatermarksKeepEveryReadCallbackWithinLowAndHigh() throws Exception {
        byte[] sent = TestBytes.pattern(65000);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending(sent)); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.setWatermark(Ev.READ, 10, 20);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            List<Long> lengthsOutside = new ArrayList<>();
            AtomicInteger calls = new AtomicInteger();
            bev.setCallbacks(b -> {
                calls.incrementAndGet();
                long len = b.input().length();
                if (len < 10 || len > 20) {
                    lengthsOutside.add(len);
                }
                byte[] chunk = new byte[(int) len];
                b.read(chunk);
                got.write(chunk, 0, chunk.length);
            }, null, (b, what) -> {
                if ((what & BevEvent.EOF) != 0) {
                    byte[] rest = new byte[(int) b.input().length()];
                    b.read(rest);
                    got.write(rest, 0, rest.length);
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(lengthsOutside).isEmpty();
            assertThat(calls.get()).isGreaterThanOrEqualTo(65000 / 20);
            assertThat(got.toByteArray()).isEqualTo(sent);
        }
    }

    @Test
    void writeLowWatermarkKeepsOutputAtOrBelowItAtEveryWriteCallback() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        int total = 1 << 20;
        byte[] all = TestBytes.pattern(total);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.setWatermark(Ev.WRITE, 100, 0);
            List<Long> above = new ArrayList<>();
            AtomicInteger offset = new AtomicInteger();
            AtomicInteger calls = new AtomicInteger();
            bev.setCallbacks(null, b -> {
                calls.incrementAndGet();
                long len = b.output().length();
                if (len > 100) {
                    above.add(len);
                }
                int off = offset.get();
                if (off < total) {
                    int n = Math.min(50_000, total - off);
                    b.write(all, off, n);
                    offset.addAndGet(n);
                } else if (len == 0) {
                    b.flush(Ev.WRITE, BevFlush.FINISHED);
                }
            }, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.write(all, 0, 50_000);
                    offset.set(50_000);
                }
            });
            bev.connect(server.address());

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(above).isEmpty();
            assertThat(calls.get()).isGreaterThan(total / 50_000 - 1);
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(all);
            bev.free();
        }
    }

    @Test
    void readHighWatermarkSuspendsReadingAndResumesByItselfWhenDrainedFromATimer() throws Exception {
        byte[] sent = TestBytes.pattern(100_000);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.sending(sent)); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.setWatermark(Ev.READ, 0, 1000);
            AtomicLong maxSeen = new AtomicLong();
            // The read callback never drains: only the timer does, so reading must stop at the
            // high watermark and restart by itself after each drain.
            SlowReader reader = SlowReader.every(Duration.ofMillis(2), bev);
            bev.setCallbacks(b -> maxSeen.accumulateAndGet(b.input().length(), Math::max), null, reader::takeRestAtEof);
            bev.enable(Ev.READ);
            bev.connect(server.address());

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(maxSeen.get()).isEqualTo(1000);
            assertThat(reader.drains()).isGreaterThanOrEqualTo(99);
            assertThat(reader.bytes()).isEqualTo(sent);
        }
    }

    @Test
    void finishedFlushDeliversEveryByteOfTwoMegabytesThenEof() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        byte[] data = TestBytes.pattern(2 << 20);
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.connect(server.address());
            bev.write(data);
            assertThat(bev.flush(Ev.WRITE, BevFlush.FINISHED)).isEqualTo(1);

            assertThat(base.dispatch()).isEqualTo(1);
            // readAllBytes() only returns at EOF: every byte, then EOF.
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(data);
            assertThat(bev.totalWritten()).isEqualTo(data.length);
            assertThatThrownBy(() -> bev.write(new byte[1])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("FINISHED");
            bev.free();
        }
    }

    @Test
    void echoRoundTripsThroughReadAndWriteBuffers() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            EvBuffer collected = new EvBuffer();
            AtomicInteger lines = new AtomicInteger();
            bev.setCallbacks(b -> {
                String line;
                while ((line = b.input().readLine(EolStyle.CRLF)) != null) {
                    assertThat(line).isEqualTo("line " + lines.get());
                    if (lines.incrementAndGet() < 100) {
                        b.write(("line " + lines.get() + "\r\n").getBytes());
                    } else {
                        b.free();
                        return;
                    }
                }
            }, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.write("line 0\r\n".getBytes());
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());
            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(lines).hasValue(100);
            assertThat(collected.length()).isZero();
        }
    }

    @Test
    void readBufferMovesTheWholeInputAndWriteBufferTheWholeSource() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            EvBuffer received = new EvBuffer();
            bev.setWatermark(Ev.READ, 11, 0);
            bev.setCallbacks(b -> {
                assertThat(b.readBuffer(received)).isEqualTo(11);
                assertThat(b.input().length()).isZero();
                b.free();
            }, null, null);
            EvBuffer src = new EvBuffer();
            src.add("hello world".getBytes());
            bev.writeBuffer(src);
            assertThat(src.length()).isZero();
            bev.enable(Ev.READ);
            bev.connect(server.address());
            assertThat(base.dispatch()).isEqualTo(1);
            byte[] out = new byte[11];
            assertThat(received.remove(out)).isEqualTo(11);
            assertThat(new String(out)).isEqualTo("hello world");
        }
    }

    @Test
    void triggerRespectsWatermarksUnlessToldAndDefersWhenAsked() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null);
            List<String> calls = new ArrayList<>();
            bev.setCallbacks(b -> calls.add("read"), b -> calls.add("write"), (b, what) -> calls.add("event:" + BevEvent.toString(what)));
            bev.setWatermark(Ev.READ, 5, 0);
            bev.trigger(Ev.READ, 0);
            assertThat(calls).isEmpty();
            bev.trigger(Ev.READ, BevTrigger.IGNORE_WATERMARKS);
            assertThat(calls).containsExactly("read");
            bev.trigger(Ev.WRITE, 0);
            assertThat(calls).containsExactly("read", "write");
            bev.triggerEvent(BevEvent.EOF | BevEvent.READING, BevTrigger.DEFER_CALLBACKS);
            assertThat(calls).containsExactly("read", "write");
            base.loop(EventBase.LOOP_NONBLOCK);
            assertThat(calls).containsExactly("read", "write", "event:READING|EOF");
            bev.free();
            bev.triggerEvent(BevEvent.EOF, 0);
            assertThat(calls).hasSize(3);
        }
    }

    @Test
    void badArgumentsNameTheArgument() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null);
            assertThatThrownBy(() -> bev.setWatermark(Ev.READ, 30, 20)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("30").hasMessageContaining("20");
            assertThatThrownBy(() -> bev.setWatermark(Ev.READ, -1, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
            assertThatThrownBy(() -> bev.enable(0x08)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("what");
            assertThatThrownBy(() -> bev.setTimeouts(Duration.ofSeconds(-1), null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("read timeout");
            assertThatThrownBy(() -> bev.setMaxSingleRead(-5)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-5");
            assertThatThrownBy(() -> bev.flush(0, BevFlush.NORMAL)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("iotype");
            bev.setMaxSingleRead(0);
            assertThat(bev.maxSingleRead()).isEqualTo(16384);
        }
    }

    static byte[] readFully(InputStream in, int n) throws java.io.IOException {
        return in.readNBytes(n);
    }
}
