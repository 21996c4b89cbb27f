package io.github.bufferevent;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Factories on a managed base. Bufferevents without THREADSAFE are made and used on the loop
 * thread ({@link #onLoop}); the peer is a blocking {@link ServerSocket} on the test thread.
 */
@Timeout(30)
class BufferEventFactoryTest {

    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
    private static final long MS = 1_000_000L;

    private EventBase base;
    private ServerSocket server;
    private final List<AutoCloseable> toClose = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws IOException {
        base = EventBase.builder().threadName("factory-test-loop").build().start();
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setSoTimeout(5_000);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        server.close();
        base.close();
    }

    private InetSocketAddress serverAddress() {
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    private Socket accept() throws IOException {
        Socket s = server.accept();
        s.setSoTimeout(5_000);
        toClose.add(s);
        return s;
    }

    /**
     * On the loop thread: a bufferevent from {@code factory} with {@code read} as its read
     * callback and every event recorded in {@code events}, reading enabled, connecting to the server.
     */
    private BufferEvent connectReading(BufferEventFactory factory, BufferEvent.ReadCallback read, BlockingQueue<Seen> events)
            throws Exception {
        return onLoop(() -> {
            BufferEvent b = factory.socket();
            b.setCallbacks(read, null, (x, ev) -> events.add(new Seen(ev, System.nanoTime())));
            b.enable(Ev.READ);
            b.connect(serverAddress());
            return b;
        });
    }

    /** Runs {@code action} on the loop thread and returns its result. */
    private <T> T onLoop(Callable<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        base.execute(() -> {
            try {
                result.complete(action.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(5, SECONDS);
    }

    private void onLoopRun(ThrowingRunnable action) throws Exception {
        onLoop(() -> {
            action.run();
            return null;
        });
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** What an event callback saw, with the (real) time it saw it. */
    private static final class Seen {
        final int events;
        final long atNanos;

        Seen(int events, long atNanos) {
            this.events = events;
            this.atNanos = atNanos;
        }
    }

    private static Seen next(BlockingQueue<Seen> events) throws InterruptedException {
        Seen s = events.poll(5, SECONDS);
        assertThat(s).as("an event within 5 s").isNotNull();
        return s;
    }

    // ------------------------------------------------------------------ settings

    @Test
    void theFactoryHandsOutBufferEventsWithItsSettings() throws Exception {
        BufferEventFactory factory = BufferEventFactory.builder(base)
                .options(BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE)
                .timeouts(Duration.ofSeconds(3), Duration.ofSeconds(4))
                .connectTimeout(Duration.ofSeconds(2))
                .readWatermark(10, 1000)
                .writeWatermark(5)
                .maxSingleRead(1234)
                .maxSingleWrite(4321)
                .build();
        assertThat(factory.base()).isSameAs(base);
        assertThat(factory.options()).containsExactlyInAnyOrder(BevOption.CLOSE_ON_FREE, BevOption.THREADSAFE);
        factory.options().clear();
        assertThat(factory.options()).as("options() is a copy").hasSize(2);
        assertThat(factory.readTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(factory.writeTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(factory.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(factory.readLowWatermark()).isEqualTo(10);
        assertThat(factory.readHighWatermark()).isEqualTo(1000);
        assertThat(factory.writeLowWatermark()).isEqualTo(5);
        assertThat(factory.maxSingleRead()).isEqualTo(1234);
        assertThat(factory.maxSingleWrite()).isEqualTo(4321);
        assertThat(factory.instrumentation()).as("the base's by default").isSameAs(base.instrumentation());

        // THREADSAFE: the test thread (a foreign thread: the loop runs) may make and use it.
        try (BufferEvent bev = factory.socket()) {
            assertThat(bev.base()).isSameAs(base);
            assertThat(bev.maxSingleRead()).isEqualTo(1234);
            assertThat(bev.maxSingleWrite()).isEqualTo(4321);
            assertThat(bev.enabled()).as("libevent's default: write on, read off").isEqualTo(Ev.WRITE);
            bev.write("queued before connect".getBytes(US_ASCII));
        }

        BufferEventFactory copy = factory.toBuilder().maxSingleRead(99).build();
        assertThat(copy.maxSingleRead()).isEqualTo(99);
        assertThat(copy.maxSingleWrite()).isEqualTo(4321);
        assertThat(copy.options()).isEqualTo(factory.options());
        assertThat(copy.readTimeout()).isEqualTo(factory.readTimeout());
        assertThat(factory.maxSingleRead()).as("toBuilder() does not change the original").isEqualTo(1234);
    }

    @Test
    void defaultsAreLibeventsAndZeroOrMinusOneMeanTheDefaultSize() throws Exception {
        BufferEventFactory factory = BufferEventFactory.builder(base).maxSingleRead(0).maxSingleWrite(-1).build();
        assertThat(factory.options()).isEqualTo(EnumSet.of(BevOption.CLOSE_ON_FREE));
        assertThat(factory.readTimeout()).isNull();
        assertThat(factory.writeTimeout()).isNull();
        assertThat(factory.connectTimeout()).isNull();
        assertThat(factory.readLowWatermark()).isZero();
        assertThat(factory.readHighWatermark()).isZero();
        assertThat(factory.writeLowWatermark()).isZero();
        BufferEvent bev = onLoop(factory::socket);
        try {
            assertThat(factory.maxSingleRead()).as("the factory reports what bufferevents get").isEqualTo(bev.maxSingleRead());
            assertThat(factory.maxSingleWrite()).isEqualTo(bev.maxSingleWrite());
            assertThat(bev.maxSingleRead()).isEqualTo(16384);
            assertThat(bev.maxSingleWrite()).isEqualTo(61440);
        } finally {
            onLoopRun(bev::free);
        }
    }

    @Test
    void withoutThreadsafeAForeignThreadIsRefused() throws Exception {
        BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE).build();
        int before = base.liveBufferEvents();
        assertThatThrownBy(factory::socket).isInstanceOf(IllegalStateException.class).hasMessageContaining("THREADSAFE");
        assertThat(base.liveBufferEvents()).isEqualTo(before);
        BufferEvent bev = onLoop(factory::socket);
        assertThatThrownBy(() -> bev.write(new byte[1])).isInstanceOf(IllegalStateException.class);
        onLoopRun(bev::free);
    }

    @Test
    void closeOnFreeFromTheFactoryClosesTheChannel() throws Exception {
        BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE).build();
        java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(serverAddress());
        toClose.add(ch);
        Socket peer = accept();
        BufferEvent bev = onLoop(() -> factory.socket(ch));
        assertThat(bev.channel()).isSameAs(ch);
        assertThat(ch.isBlocking()).as("made non-blocking").isFalse();
        onLoopRun(bev::free);
        await().atMost(FIVE_SECONDS).until(() -> !ch.isOpen());
        assertThat(peer.getInputStream().read()).isEqualTo(-1);

        BufferEventFactory keep = BufferEventFactory.builder(base).options().build();
        java.nio.channels.SocketChannel ch2 = java.nio.channels.SocketChannel.open(serverAddress());
        toClose.add(ch2);
        accept();
        BufferEvent bev2 = onLoop(() -> keep.socket(ch2));
        onLoopRun(bev2::free);
        onLoop(() -> 0); // one more turn
        assertThat(ch2.isOpen()).as("without CLOSE_ON_FREE the channel stays open").isTrue();
    }

    @Test
    void aReadTimeoutFromTheFactoryFiresOnAnIdleConnection() throws Exception {
        BufferEventFactory factory = BufferEventFactory.builder(base).timeouts(Duration.ofMillis(300), null).build();
        BlockingQueue<Seen> events = new LinkedBlockingQueue<>();
        BufferEvent bev = connectReading(factory, null, events);
        accept(); // and stays silent
        Seen connected = next(events);
        assertThat(BevEvent.toString(connected.events)).isEqualTo(BevEvent.toString(BevEvent.CONNECTED));
        Seen timeout = next(events);
        assertThat(BevEvent.toString(timeout.events)).isEqualTo(BevEvent.toString(BevEvent.TIMEOUT | BevEvent.READING));
        assertThat((timeout.atNanos - connected.atNanos) / MS).isBetween(250L, 5_000L);
        assertThat(bev.enabled() & Ev.READ).as("reading is disabled on timeout").isZero();
        assertThat(events.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS)).as("a single timeout").isNull();
        onLoopRun(bev::free);
    }

    @Test
    void aReadLowWatermarkFromTheFactoryHoldsTheReadCallback() throws Exception {
        BufferEventFactory factory = BufferEventFactory.builder(base).readWatermark(10, 0).build();
        BlockingQueue<Long> reads = new LinkedBlockingQueue<>();
        BlockingQueue<Seen> events = new LinkedBlockingQueue<>();
        BufferEvent bev = connectReading(factory, x -> reads.add(x.input().length()), events);
        Socket peer = accept();
        assertThat(next(events).events).isEqualTo(BevEvent.CONNECTED);
        peer.getOutputStream().write(new byte[4]);
        peer.getOutputStream().flush();
        await().atMost(FIVE_SECONDS).until(() -> bev.bufferedInput() == 4);
        assertThat(reads).as("4 bytes are below the low watermark of 10").isEmpty();
        peer.getOutputStream().write(new byte[6]);
        peer.getOutputStream().flush();
        Long seen = reads.poll(5, SECONDS);
        assertThat(seen).isNotNull().isGreaterThanOrEqualTo(10L);
        onLoopRun(bev::free);
    }

    @Test
    void aReadHighWatermarkFromTheFactoryCapsTheInput() throws Exception {
        BufferEventFactory factory = BufferEventFactory.builder(base).readWatermark(0, 100).build();
        BlockingQueue<Seen> events = new LinkedBlockingQueue<>();
        BufferEvent bev = connectReading(factory, x -> { }, events);
        Socket peer = accept();
        assertThat(next(events).events).isEqualTo(BevEvent.CONNECTED);
        peer.getOutputStream().write(new byte[1000]);
        peer.getOutputStream().flush();
        await().atMost(FIVE_SECONDS).until(() -> bev.bufferedInput() == 100);
        await().during(Duration.ofMillis(300)).atMost(FIVE_SECONDS).until(() -> bev.bufferedInput() == 100);
        onLoopRun(bev::free);
    }

    @Test
    void maxSingleReadAndWriteFromTheFactoryBoundEachSocketCall() throws Exception {
        Recording rec = new Recording();
        BufferEventFactory factory = BufferEventFactory.builder(base).maxSingleRead(10).maxSingleWrite(7).instrumentation(rec).build();
        BlockingQueue<Seen> events = new LinkedBlockingQueue<>();
        BufferEvent bev = connectReading(factory, x -> { }, events);
        Socket peer = accept();
        assertThat(next(events).events).isEqualTo(BevEvent.CONNECTED);
        peer.getOutputStream().write(new byte[100]);
        peer.getOutputStream().flush();
        await().atMost(FIVE_SECONDS).until(() -> rec.bytesRead.get() == 100);
        assertThat(rec.readSizes).allSatisfy(n -> assertThat(n).isBetween(1L, 10L));
        assertThat(rec.readSizes.size()).isGreaterThanOrEqualTo(10);

        onLoopRun(() -> bev.write(new byte[50]));
        assertThat(peer.getInputStream().readNBytes(50)).hasSize(50);
        await().atMost(FIVE_SECONDS).until(() -> rec.bytesWritten.get() == 50);
        assertThat(rec.writeSizes).allSatisfy(n -> assertThat(n).isBetween(1L, 7L));
        onLoopRun(bev::free);
    }

    // ------------------------------------------------------------------ instrumentation

    /** Records the calls it gets, in order. */
    private static final class Recording implements Instrumentation {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<Long> readSizes = new CopyOnWriteArrayList<>();
        final List<Long> writeSizes = new CopyOnWriteArrayList<>();
        final AtomicLong bytesRead = new AtomicLong();
        final AtomicLong bytesWritten = new AtomicLong();

        @Override
        public void created(BufferEvent bev) {
            calls.add("created");
        }

        @Override
        public void freed(BufferEvent bev) {
            calls.add("freed");
        }

        @Override
        public void connectStarted(BufferEvent bev) {
            calls.add("connectStarted");
        }

        @Override
        public void connectSucceeded(BufferEvent bev, long nanos) {
            calls.add("connectSucceeded");
        }

        @Override
        public void connectFailed(BufferEvent bev, ConnectOutcome outcome, Throwable cause, long nanos) {
            calls.add("connectFailed:" + outcome);
        }

        @Override
        public void error(BufferEvent bev, ErrorKind kind, Throwable cause) {
            calls.add("error:" + kind);
        }

        @Override
        public void eof(BufferEvent bev) {
            calls.add("eof");
        }

        @Override
        public void timeout(BufferEvent bev, int what) {
            calls.add("timeout:" + BevEvent.toString(what));
        }

        @Override
        public void bytesRead(BufferEvent bev, long n) {
            readSizes.add(n);
            bytesRead.addAndGet(n);
        }

        @Override
        public void bytesWritten(BufferEvent bev, long n) {
            if (writeSizes.isEmpty()) {
                calls.add("bytesWritten");
            }
            writeSizes.add(n);
            bytesWritten.addAndGet(n);
        }
    }

    @Test
    void aCustomInstrumentationSeesTheLifeOfABufferEvent() throws Exception {
        Recording rec = new Recording();
        BufferEventFactory factory = BufferEventFactory.builder(base).instrumentation(rec).build();
        assertThat(factory.instrumentation()).isSameAs(rec);
        BlockingQueue<Seen> events = new LinkedBlockingQueue<>();
        BufferEvent bev = onLoop(() -> {
            BufferEvent b = factory.socket();
            b.setCallbacks(null, null, (x, ev) -> {
                events.add(new Seen(ev, System.nanoTime()));
                if (ev == BevEvent.CONNECTED) {
                    x.write("ping".getBytes(US_ASCII));
                }
            });
            b.connect(serverAddress());
            return b;
        });
        Socket peer = accept();
        assertThat(next(events).events).isEqualTo(BevEvent.CONNECTED);
        assertThat(new String(peer.getInputStream().readNBytes(4), US_ASCII)).isEqualTo("ping");
        await().atMost(FIVE_SECONDS).until(() -> rec.bytesWritten.get() == 4);
        onLoopRun(bev::free);
        await().atMost(FIVE_SECONDS).until(() -> rec.calls.contains("freed"));
        assertThat(rec.calls).containsExactly("created", "connectStarted", "connectSucceeded", "bytesWritten", "freed");
        assertThat(base.instrumentation()).as("the base keeps its own").isSameAs(Instrumentation.NOOP);
    }

    @Test
    void withInstrumentationKeepsTheOtherSettings() throws Exception {
        Recording rec = new Recording();
        BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.THREADSAFE)
                .timeouts(Duration.ofSeconds(1), null).maxSingleWrite(77).build();
        BufferEventFactory tagged = factory.withInstrumentation(rec);
        assertThat(tagged.instrumentation()).isSameAs(rec);
        assertThat(factory.instrumentation()).isSameAs(Instrumentation.NOOP);
        assertThat(tagged.options()).isEqualTo(factory.options());
        assertThat(tagged.readTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(tagged.maxSingleWrite()).isEqualTo(77);
        BufferEvent bev = tagged.socket();
        bev.free();
        await().atMost(FIVE_SECONDS).until(() -> rec.calls.contains("freed"));
        assertThat(rec.calls).containsExactly("created", "freed");
    }

    // ------------------------------------------------------------------ validation

    @Test
    void invalidBuilderValuesAreRejectedNamingTheValue() {
        BufferEventFactory.Builder b = BufferEventFactory.builder(base);
        assertThatThrownBy(() -> b.readWatermark(-1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("read low watermark").hasMessageContaining("-1");
        assertThatThrownBy(() -> b.readWatermark(0, -5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("read high watermark").hasMessageContaining("-5");
        assertThatThrownBy(() -> b.readWatermark(20, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("20").hasMessageContaining("10");
        assertThatThrownBy(() -> b.writeWatermark(-3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("write low watermark").hasMessageContaining("-3");
        assertThatThrownBy(() -> b.timeouts(Duration.ofSeconds(-1), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("read timeout").hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> b.timeouts(null, Duration.ofMillis(-2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("write timeout");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ofSeconds(-7))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connect timeout").hasMessageContaining("PT-7S");
        assertThatThrownBy(() -> b.maxSingleRead(-2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSingleRead").hasMessageContaining("-2");
        assertThatThrownBy(() -> b.maxSingleWrite(-9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSingleWrite").hasMessageContaining("-9");
        assertThatThrownBy(() -> b.options(BevOption.THREADSAFE, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> BufferEventFactory.builder(null)).isInstanceOf(NullPointerException.class);

        // A rejected value leaves the builder as it was; a high watermark of 0 means unlimited.
        BufferEventFactory f = b.readWatermark(50, 0).build();
        assertThat(f.readLowWatermark()).isEqualTo(50);
        assertThat(f.readHighWatermark()).isZero();
        assertThat(f.writeLowWatermark()).isZero();
        assertThat(f.readTimeout()).isNull();
        assertThat(f.connectTimeout()).isNull();
    }
}
