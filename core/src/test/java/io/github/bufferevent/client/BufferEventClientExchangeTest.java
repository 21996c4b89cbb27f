package io.github.bufferevent.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EolStyle;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.TestBytes;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Request/reply on the client layer, against real loopback peers: every future ends. */
@Timeout(120)
class BufferEventClientExchangeTest {

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final EventBase base = EventBase.builder().threadName("client-test-loop").daemon(true).build().start();

    @AfterEach
    void tearDown() throws Exception {
        pool.shutdownNow();
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        base.close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private BufferEventClient.Builder lineClient(int port) {
        return BufferEventClient.builder(base, "test").address("127.0.0.1", port).framing(Framing.line(EolStyle.CRLF, 1024))
                .reconnect(true, Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0);
    }

    private BufferEventClient started(BufferEventClient.Builder b) {
        BufferEventClient client = closeLater(b.build());
        client.connect();
        return client;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.get(20, SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the future did not end: " + e, e);
        }
        throw new AssertionError("the future succeeded");
    }

    @Test
    void pipelinedExchangesFromManyThreadsEachGetTheirOwnReply() throws Exception {
        LoopbackPeer echo = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        BufferEventClient client = started(lineClient(echo.port()));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        int threads = 8;
        int each = 1000;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            callers.add(pool.submit(() -> {
                start.await(10, SECONDS);
                List<CompletableFuture<String>> replies = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    replies.add(client.exchange("t" + id + "-" + i)); // all in flight at once: pipelined
                }
                for (int i = 0; i < each; i++) {
                    assertThat(replies.get(i).get(30, SECONDS)).isEqualTo("t" + id + "-" + i);
                }
                return null;
            }));
        }
        for (Future<?> f : callers) {
            f.get(60, SECONDS);
        }
        assertThat(client.exchangesInFlight()).isZero();
    }

    @Test
    void aReplyTimeoutFailsThatExchangeAndItsLateReplyIsNotGivenToTheNextCaller() throws Exception {
        CountDownLatch answerFirst = new CountDownLatch(1);
        LoopbackPeer slowFirst = closeLater(LoopbackPeer.start((s, in, out) -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            boolean first = true;
            while ((line = r.readLine()) != null) {
                if (first) {
                    first = false;
                    try {
                        answerFirst.await(20, SECONDS); // the first reply comes late
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                out.write(TestBytes.ascii(line + "\r\n"));
                out.flush();
            }
        }));
        BufferEventClient client = started(lineClient(slowFirst.port()).replyTimeout(Duration.ofMillis(300)));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        CompletableFuture<String> first = client.exchange("first");
        assertThat(failure(first)).isInstanceOf(TimeoutException.class).hasMessageContaining("300 ms");
        answerFirst.countDown();
        assertThat(client.exchange("second").get(10, SECONDS)).isEqualTo("second");
        assertThat(client.isConnected()).isTrue();
    }

    @Test
    void aLostConnectionFailsWhatIsInFlightAndWhatWaitsIsSentAfterTheReconnect() throws Exception {
        LoopbackPeer silent = closeLater(LoopbackPeer.start(PeerBehavior.silent()));
        List<String> events = new CopyOnWriteArrayList<>();
        BufferEventClient client = started(lineClient(silent.port()).replyTimeout(Duration.ofSeconds(30))
                .handler(new BufferEventClientHandler() {
                    @Override
                    public void onDisconnected(BufferEventClient c, int ev, Throwable cause, long unsent) {
                        events.add("disconnected");
                    }
                }));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        CompletableFuture<String> inFlight = client.exchange("never answered");
        await().atMost(Duration.ofSeconds(5)).until(() -> silent.accepted() == 1 && client.bufferedOutput() == 0);
        silent.stop();
        assertThat(failure(inFlight)).isInstanceOf(DisconnectedException.class).hasMessageContaining("in flight");
        await().atMost(Duration.ofSeconds(5)).until(() -> !client.isConnected());
        CompletableFuture<String> waiting = client.exchange("sent after the reconnect");
        silent.restart(); // the same port, a silent peer again: the request is written, not answered
        await().atMost(Duration.ofSeconds(10)).until(client::isConnected);
        await().atMost(Duration.ofSeconds(5)).until(() -> client.exchangesInFlight() == 1 && client.pendingBytes() == 0);
        assertThat(waiting).isNotDone();
        assertThat(events).containsExactly("disconnected"); // failed attempts during the outage are not disconnects
    }

    @Test
    void withRejectPolicyCallsWhileDisconnectedFailAtOnce() throws Exception {
        BufferEventClient client = started(lineClient(LoopbackPeer.closedPort()).pendingWhileDisconnected(BufferEventClient.PendingPolicy.REJECT));
        assertThat(failure(client.exchange("x"))).isInstanceOf(ExchangeRejectedException.class)
                .hasMessageContaining("pending-while-disconnected=reject");
        assertThatThrownBy(() -> client.write(TestBytes.ascii("x"))).isInstanceOf(ExchangeRejectedException.class);
    }

    /** A line peer that answers "big" with {@code bigReply} bytes and echoes anything else. */
    private LoopbackPeer bloated(int bigReply) throws IOException {
        return closeLater(LoopbackPeer.start((s, in, out) -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                String reply = line.equals("big") ? "x".repeat(bigReply) : line;
                out.write(TestBytes.ascii(reply + "\r\n"));
                out.flush();
            }
        }));
    }

    @Test
    void aReplyOverTheLimitFailsWithFrameTooLongAndTheClientReconnects() throws Exception {
        LoopbackPeer bloated = bloated(5000);
        BufferEventClient client = started(lineClient(bloated.port()));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(failure(client.exchange("big"))).asInstanceOf(InstanceOfAssertFactories.throwable(FrameTooLongException.class))
                .hasMessageStartingWith("reply frame of 5000 bytes is over the limit of 1024 bytes")
                .extracting(FrameTooLongException::direction).isEqualTo(FrameTooLongException.Direction.REPLY);
        await().atMost(Duration.ofSeconds(10)).until(() -> bloated.accepted() == 2 && client.isConnected());
        assertThat(client.exchange("small").get(10, SECONDS)).isEqualTo("small");
    }

    @Test
    void aRequestOverTheLimitFailsAsTheRequestsFaultAndTheConnectionStays() throws Exception {
        LoopbackPeer echo = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        BufferEventClient client = started(lineClient(echo.port()));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(failure(client.exchange("x".repeat(2000)))).asInstanceOf(InstanceOfAssertFactories.throwable(FrameTooLongException.class))
                .hasMessage("request frame of 2000 bytes is over the limit of 1024 bytes (framing max-frame-length); nothing was sent")
                .extracting(FrameTooLongException::direction).isEqualTo(FrameTooLongException.Direction.REQUEST);
        assertThat(client.exchange("after").get(10, SECONDS)).isEqualTo("after");
        assertThat(echo.accepted()).isEqualTo(1);
    }

    /** A framing of one's own that throws without saying which way: the client says, from where it caught it. */
    @Test
    void aFramingThatDoesNotSayWhichWayHasTheClientSayIt() throws Exception {
        LoopbackPeer bloated = bloated(500);
        Framing lines = Framing.line(EolStyle.CRLF, 1 << 20);
        Framing unsaid = new Framing() {
            @Override
            public void encode(byte[] frame, EvBuffer out) {
                if (frame.length > 100) {
                    throw new FrameTooLongException(frame.length, 100);
                }
                lines.encode(frame, out);
            }

            @Override
            public byte[] decode(EvBuffer in) {
                byte[] frame = lines.decode(in);
                if (frame != null && frame.length > 100) {
                    throw new FrameTooLongException(frame.length, 100);
                }
                return frame;
            }
        };
        BufferEventClient client = started(lineClient(bloated.port()).framing(unsaid));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(failure(client.exchange("y".repeat(200)))).asInstanceOf(InstanceOfAssertFactories.throwable(FrameTooLongException.class))
                .hasMessageStartingWith("request frame of 200 bytes")
                .extracting(FrameTooLongException::direction).isEqualTo(FrameTooLongException.Direction.REQUEST);
        assertThat(failure(client.exchange("big"))).asInstanceOf(InstanceOfAssertFactories.throwable(FrameTooLongException.class))
                .hasMessageStartingWith("reply frame of 500 bytes")
                .extracting(FrameTooLongException::direction).isEqualTo(FrameTooLongException.Direction.REPLY);
    }

    @Test
    void maxInFlightRefusesAtOnceAndFreesSlotsAsRepliesCome() throws Exception {
        LoopbackPeer silent = closeLater(LoopbackPeer.start(PeerBehavior.silent()));
        BufferEventClient client = started(lineClient(silent.port()).maxInFlight(3).replyTimeout(Duration.ofMillis(500)));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        List<CompletableFuture<String>> three = List.of(client.exchange("1"), client.exchange("2"), client.exchange("3"));
        assertThat(failure(client.exchange("4"))).isInstanceOf(ExchangeRejectedException.class).hasMessageContaining("max-in-flight");
        for (CompletableFuture<String> f : three) {
            assertThat(failure(f)).isInstanceOf(TimeoutException.class);
        }
        // Timed out but still owed a reply on the wire: the slots stay taken (nothing unbounded piles up).
        assertThat(client.exchangesInFlight()).isEqualTo(3);
    }

    @Test
    void closingFailsWhatWaitsAndRefusesWhatComesAfter() throws Exception {
        BufferEventClient client = started(lineClient(LoopbackPeer.closedPort()));
        CompletableFuture<String> waiting = client.exchange("never sent");
        client.close();
        assertThat(failure(waiting)).isInstanceOf(ExchangeRejectedException.class).hasMessageContaining("closed");
        assertThat(failure(client.exchange("after"))).isInstanceOf(ExchangeRejectedException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> client.state() == BufferEventClient.State.CLOSED);
    }

    @Test
    void closingTheBaseFailsExchangesInFlightInsteadOfLeavingThemHanging() throws Exception {
        LoopbackPeer silent = closeLater(LoopbackPeer.start(PeerBehavior.silent()));
        BufferEventClient client = started(lineClient(silent.port()).replyTimeout(Duration.ofMinutes(5)));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        CompletableFuture<String> inFlight = client.exchange("x");
        await().atMost(Duration.ofSeconds(5)).until(() -> client.bufferedOutput() == 0 && client.exchangesInFlight() == 1);
        base.close();
        assertThat(failure(inFlight)).isInstanceOf(DisconnectedException.class);
        assertThat(client.state()).isEqualTo(BufferEventClient.State.CLOSED);
    }

    @Test
    void waitingForAReplyOnTheLoopThreadIsRefused() throws Exception {
        LoopbackPeer echo = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        BufferEventClient client = started(lineClient(echo.port()));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        base.execute(() -> {
            try {
                client.exchange("x").get();
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        });
        assertThat(seen.get(10, SECONDS)).isInstanceOf(IllegalStateException.class).hasMessageContaining("loop thread");
    }

    @Test
    void framesNobodyWaitsForGoToOnFrame() throws Exception {
        LoopbackPeer pusher = closeLater(LoopbackPeer.start((s, in, out) -> {
            out.write(TestBytes.ascii("hello from the server\r\n"));
            out.flush();
            in.read();
        }));
        List<String> pushed = new CopyOnWriteArrayList<>();
        started(lineClient(pusher.port()).handler(new BufferEventClientHandler() {
            @Override
            public void onFrame(BufferEventClient c, byte[] frame) {
                pushed.add(new String(frame, StandardCharsets.US_ASCII));
            }
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> pushed.contains("hello from the server"));
    }

    @Test
    void aFrameHoldingItsOwnDelimiterIsRefusedAndTheLineStaysInStep() throws Exception {
        LoopbackPeer echo = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        BufferEventClient client = started(lineClient(echo.port()));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(failure(client.exchange("evil\r\nINJECTED-LINE"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(failure(client.send("a\nb"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(client.exchange("honest").get(10, SECONDS)).isEqualTo("honest");
        assertThat(client.exchangesInFlight()).isZero();
    }

    @Test
    void aPoolSpreadsExchangesOverItsConnections() throws Exception {
        LoopbackPeer echo = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        BufferEventClient client = started(lineClient(echo.port()).poolSize(4));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.connectedConnections() == 4);
        List<CompletableFuture<String>> replies = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            replies.add(client.exchange("r" + i));
        }
        for (int i = 0; i < 400; i++) {
            assertThat(replies.get(i).get(10, SECONDS)).isEqualTo("r" + i);
        }
        assertThat(echo.accepted()).isEqualTo(4);
        assertThat(client.connections()).extracting(BufferEventClient.ConnectionInfo::state).containsOnly("CONNECTED");
    }

    @Test
    void failsOverToTheNextAddressAndFailsBackWhenTheFirstAnswersAgain() throws Exception {
        LoopbackPeer backup = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        LoopbackPeer primary = closeLater(LoopbackPeer.start(PeerBehavior.echo()));
        primary.stop();
        BufferEventClient client = started(lineClient(primary.port()).addresses(List.of(
                InetSocketAddress.createUnresolved("127.0.0.1", primary.port()),
                InetSocketAddress.createUnresolved("127.0.0.1", backup.port()))));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(client.exchange("via backup").get(10, SECONDS)).isEqualTo("via backup");
        assertThat(((InetSocketAddress) client.remoteAddress()).getPort()).isEqualTo(backup.port());
        primary.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.isConnected()
                && client.connections().get(0).target().endsWith(":" + primary.port()));
        assertThat(client.exchange("via primary").get(10, SECONDS)).isEqualTo("via primary");
        assertThat(primary.accepted()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void respFramingAgainstARespPeer() throws Exception {
        LoopbackPeer redis = closeLater(LoopbackPeer.start(new RespPeer()));
        BufferEventClient client = started(BufferEventClient.builder(base, "redis").address("127.0.0.1", redis.port())
                .framing(new RespFraming(1 << 20)));
        assertThat(client.awaitConnected(Duration.ofSeconds(10))).isTrue();
        CompletableFuture<String> set = client.exchange("SET greeting hello");
        CompletableFuture<String> get = client.exchange("GET greeting");
        CompletableFuture<String> ping = client.exchange("PING");
        CompletableFuture<String> missing = client.exchange("GET nothing");
        assertThat(set.get(10, SECONDS)).isEqualTo("+OK\r\n");
        assertThat(get.get(10, SECONDS)).isEqualTo("$5\r\nhello\r\n");
        assertThat(ping.get(10, SECONDS)).isEqualTo("+PONG\r\n");
        assertThat(missing.get(10, SECONDS)).isEqualTo("$-1\r\n");
        assertThat(client.exchange("NOSUCH").get(10, SECONDS)).startsWith("-ERR unknown command");
    }

    @Test
    void builderArgumentsAreChecked() {
        assertThatThrownBy(() -> BufferEventClient.builder(base, " ")).hasMessageContaining("name must not be blank");
        assertThatThrownBy(() -> BufferEventClient.builder(base, "x").address("h", 0)).hasMessageContaining("port must be in 1..65535, was 0");
        assertThatThrownBy(() -> BufferEventClient.builder(base, "x").poolSize(0)).hasMessageContaining("poolSize must be in 1..64");
        assertThatThrownBy(() -> BufferEventClient.builder(base, "x").maxInFlight(0)).hasMessageContaining("maxInFlight must be >= 1");
        assertThatThrownBy(() -> BufferEventClient.builder(base, "x").replyTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("replyTimeout must be >= 0");
        assertThatThrownBy(() -> BufferEventClient.builder(base, "x").build()).hasMessageContaining("needs an address");
        assertThatThrownBy(() -> BufferEventClient.builder(base, "x").address("h", 1).build().exchange("x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a framing");
        assertThat(new ExchangeRejectedException("x")).asInstanceOf(InstanceOfAssertFactories.THROWABLE)
                .isInstanceOf(IllegalStateException.class);
    }
}
