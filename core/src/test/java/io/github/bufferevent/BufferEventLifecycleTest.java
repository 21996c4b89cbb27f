package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timeouts, errors, free and callbacks that throw. */
@Timeout(60)
class BufferEventLifecycleTest {

    @Test
    void readTimeoutFiresOnceAndDisablesReading() throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            done.completeOnTimeout(null, 20, TimeUnit.SECONDS).join(); // silent until the test ends
        }); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            long[] connectedAt = new long[1];
            long[] timedOutAt = new long[1];
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                if (what == BevEvent.CONNECTED) {
                    connectedAt[0] = System.nanoTime();
                } else {
                    timedOutAt[0] = System.nanoTime();
                }
            });
            bev.setTimeouts(Duration.ofMillis(300), null);
            bev.enable(Ev.READ);
            bev.connect(server.address());
            // Run well past several timeout periods: it must fire exactly once.
            base.loopExit(Duration.ofMillis(1500));
            assertThat(base.dispatch()).isZero();
            done.complete(null);

            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.TIMEOUT | BevEvent.READING);
            assertThat(bev.enabled() & Ev.READ).isZero();
            assertThat(TimeUnit.NANOSECONDS.toMillis(timedOutAt[0] - connectedAt[0])).isBetween(250L, 1400L);
            bev.free();
        }
    }

    @Test
    void readTimeoutDoesNotRunWhileReadingIsDisabled() throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            done.completeOnTimeout(null, 20, TimeUnit.SECONDS).join();
        }); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> events.add(what));
            bev.setTimeouts(Duration.ofMillis(200), null);
            bev.connect(server.address()); // reading stays disabled (the default)
            base.loopExit(Duration.ofMillis(1000));
            base.dispatch();
            assertThat(events).containsExactly(BevEvent.CONNECTED);

            // Enabling reading starts the clock: now it fires.
            bev.enable(Ev.READ);
            base.loopExit(Duration.ofMillis(1500));
            base.dispatch();
            done.complete(null);
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.TIMEOUT | BevEvent.READING);
            bev.free();
        }
    }

    @Test
    void peerResetGivesErrorReadingWithTheCause() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            s.getInputStream().read(); // the client is connected: it wrote this byte on CONNECTED
            s.setSoLinger(true, 0);
            s.close(); // RST instead of FIN
        }); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                if (what == BevEvent.CONNECTED) {
                    b.write(new byte[] {1});
                } else {
                    b.free();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(server.address());
            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).containsExactly(BevEvent.CONNECTED, BevEvent.ERROR | BevEvent.READING);
            assertThat(bev.socketError()).isInstanceOf(IOException.class).hasMessageContaining("reset");
        }
    }

    @Test
    void freeInsideTheReadCallbackStopsEveryLaterCallbackAndClosesTheChannel() throws Exception {
        CompletableFuture<Integer> peerSawEof = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                s.getOutputStream().write("first".getBytes());
                s.getOutputStream().flush();
                peerSawEof.complete(s.getInputStream().read());
            }
        }); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<String> calls = new ArrayList<>();
            bev.setCallbacks(b -> {
                calls.add("read");
                b.write("pending output is discarded by free".getBytes());
                b.free();
                b.free(); // idempotent
            }, b -> calls.add("write"), (b, what) -> calls.add(BevEvent.toString(what)));
            bev.enable(Ev.READ);
            bev.connect(server.address());
            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(peerSawEof.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
            assertThat(calls).containsExactly("CONNECTED", "read");
            assertThat(bev.channel().isOpen()).isFalse();
            assertThat(base.liveBufferEvents()).isZero();
        }
    }

    @Test
    void freeWithoutCloseOnFreeLeavesTheChannelOpen() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            SocketChannel ch = SocketChannel.open(server.address());
            BufferEvent bev = BufferEvent.socket(base, ch);
            bev.write("via bufferevent;".getBytes());
            bev.flush(Ev.WRITE, BevFlush.NORMAL);
            base.loop(EventBase.LOOP_NONBLOCK);
            bev.free();
            base.loop(EventBase.LOOP_NONBLOCK);
            assertThat(ch.isOpen()).isTrue();

            // The application still owns the channel and may keep using it.
            ch.configureBlocking(true);
            ch.write(ByteBuffer.wrap("via channel".getBytes()));
            ch.close();
            assertThat(new String(received.get(5, TimeUnit.SECONDS))).isEqualTo("via bufferevent;via channel");
        }
    }

    @Test
    void freeWithCloseOnFreeClosesTheChannel() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            SocketChannel ch = SocketChannel.open(server.address());
            BufferEvent bev = BufferEvent.socket(base, ch, BevOption.CLOSE_ON_FREE);
            bev.free();
            assertThat(ch.isOpen()).isFalse();
        }
    }

    @Test
    void aCallbackThatThrowsLeavesOtherBufferEventsWorking() throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Instrumentation recorder = new Instrumentation() {
            @Override
            public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
                if (kind == ErrorKind.CALLBACK) {
                    reported.add(cause);
                }
            }
        };
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.builder().instrumentation(recorder).build()) {
            BufferEvent bad = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent good = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            AtomicInteger badReads = new AtomicInteger();
            AtomicInteger goodRounds = new AtomicInteger();
            bad.setCallbacks(b -> {
                badReads.incrementAndGet();
                b.input().drain(b.input().length());
                if (badReads.get() < 5) {
                    b.write("x".getBytes());
                } else {
                    b.free();
                }
                throw new IllegalStateException("boom " + badReads.get());
            }, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.write("x".getBytes());
                }
            });
            good.setCallbacks(b -> {
                b.input().drain(b.input().length());
                if (goodRounds.incrementAndGet() < 50) {
                    b.write("y".getBytes());
                } else {
                    b.free();
                }
            }, null, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.write("y".getBytes());
                }
            });
            bad.enable(Ev.READ);
            good.enable(Ev.READ);
            bad.connect(server.address());
            good.connect(server.address());

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(goodRounds).hasValue(50);
            assertThat(badReads).hasValue(5);
            assertThat(reported).hasSize(5).allSatisfy(t -> assertThat(t).hasMessageStartingWith("boom"));
        }
    }

    @Test
    void noFileDescriptorLeaksOverThreeHundredConnectFreeCycles() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(fds), "needs /proc/self/fd");
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> in.read()); EventBase base = EventBase.create()) {
            cycle(base, server, 20); // warm up: lazily opened JDK descriptors
            await().atMost(Duration.ofSeconds(10)).until(() -> countFds(fds) <= countFds(fds));
            long before = countFds(fds);
            cycle(base, server, 300);
            // The peer threads close their ends asynchronously; our side must be back at once.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(countFds(fds)).isLessThanOrEqualTo(before + 2));
        }
    }

    private static void cycle(EventBase base, LoopbackPeer server, int times) throws IOException {
        for (int i = 0; i < times; i++) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            int[] seen = new int[1];
            bev.setCallbacks(null, null, (b, what) -> {
                seen[0] = what;
                b.free();
            });
            bev.connect(server.address());
            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(seen[0]).isEqualTo(BevEvent.CONNECTED);
        }
    }

    private static long countFds(Path fds) throws IOException {
        try (Stream<Path> s = Files.list(fds)) {
            return s.count();
        }
    }

    @Test
    void writeErrorAfterThePeerVanishesReachesTheEventCallback() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start((s, in, out) -> {
            s.getInputStream().read(); // connected: the client's first bytes arrived
            s.setSoLinger(true, 0);
            s.close(); // then vanish with a reset
        }); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = Collections.synchronizedList(new ArrayList<>());
            byte[] chunk = new byte[64 * 1024];
            bev.setCallbacks(null, b -> b.write(chunk), (b, what) -> {
                events.add(what);
                if (what == BevEvent.CONNECTED) {
                    b.write(chunk);
                } else {
                    b.free();
                }
            });
            bev.connect(server.address());
            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).hasSize(2);
            assertThat(events.get(1)).isEqualTo(BevEvent.ERROR | BevEvent.WRITING);
            assertThat(bev.socketError()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void socketRejectsAForeignThreadWithoutThreadsafe() throws Exception {
        try (EventBase base = EventBase.builder().daemon(true).build().start()) {
            assertThatThrownBy(() -> BufferEvent.socket(base, null)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("THREADSAFE");
            BufferEvent bev = CompletableFuture.supplyAsync(() -> {
                try {
                    return BufferEvent.socket(base, null);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, base).get(5, TimeUnit.SECONDS);
            assertThatThrownBy(() -> bev.write(new byte[1])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("write()").hasMessageContaining("THREADSAFE");
            assertThatThrownBy(() -> bev.enable(Ev.READ)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(bev::free).isInstanceOf(IllegalStateException.class);
        }
    }

}
