package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** libevent's connect regression behaviours (test/regress_bufferevent.c), on real loopback sockets. */
@Timeout(30)
class BufferEventConnectTest {

    @Test
    void connectReportsExactlyConnectedAndNothingFromInsideConnect() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            AtomicBoolean insideConnect = new AtomicBoolean();
            AtomicBoolean reportedInside = new AtomicBoolean();
            bev.setCallbacks(null, null, (b, what) -> {
                reportedInside.compareAndSet(false, insideConnect.get());
                events.add(what);
                b.free();
            });
            insideConnect.set(true);
            bev.connect(server.address());
            insideConnect.set(false);

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).containsExactly(BevEvent.CONNECTED);
            assertThat(reportedInside).isFalse();
            assertThat(bev.socketError()).isNull();
        }
    }

    @Test
    void refusedConnectGivesOneErrorWithCauseAndNoDataCallbacks() throws Exception {
        refusedConnect();
    }

    @Test
    void refusedConnectWithDeferredCallbacksGivesOneError() throws Exception {
        refusedConnect(BevOption.DEFER_CALLBACKS);
    }

    private void refusedConnect(BevOption... extra) throws Exception {
        int port = LoopbackPeer.closedPort();
        try (EventBase base = EventBase.create()) {
            List<BevOption> options = new ArrayList<>(List.of(extra));
            options.add(BevOption.CLOSE_ON_FREE);
            BufferEvent bev = BufferEvent.socket(base, null, options.toArray(new BevOption[0]));
            List<Integer> events = new ArrayList<>();
            AtomicInteger dataCalls = new AtomicInteger();
            AtomicBoolean insideConnect = new AtomicBoolean(true);
            bev.setCallbacks(b -> dataCalls.incrementAndGet(), b -> dataCalls.incrementAndGet(), (b, what) -> {
                assertThat(insideConnect).isFalse();
                events.add(what);
            });
            bev.enable(Ev.READ | Ev.WRITE);
            bev.write("never sent".getBytes(StandardCharsets.US_ASCII));
            bev.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            insideConnect.set(false);

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).containsExactly(BevEvent.ERROR);
            assertThat(bev.socketError()).isInstanceOf(ConnectException.class);
            assertThat(dataCalls).hasValue(0);
            bev.free();
        }
    }

    @Test
    void dataWrittenBeforeTheConnectCompletesIsDelivered() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.readingAll(received)); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.write("written before connect\n".getBytes(StandardCharsets.US_ASCII));
            bev.connect(server.address());
            bev.write("and more".getBytes(StandardCharsets.US_ASCII));
            bev.flush(Ev.WRITE, BevFlush.FINISHED);

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(new String(received.get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII))
                    .isEqualTo("written before connect\nand more");
            bev.free();
        }
    }

    @Test
    void connectWithNullAddressWaitsForAnAlreadyConnectingChannel() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.connect(server.address());
            BufferEvent bev = BufferEvent.socket(base, ch, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                b.free();
            });
            bev.connect(null);

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).containsExactly(BevEvent.CONNECTED);
            assertThat(ch.isOpen()).isFalse();
        }
    }

    /**
     * A socket connecting to its own local address "connects" by TCP simultaneous open (what a
     * reconnecting client retrying a down local port hits now and then): reported as refused.
     */
    @Test
    void aSocketThatConnectsToItselfIsRefused() throws Exception {
        try (EventBase base = EventBase.create()) {
            SocketChannel ch = SocketChannel.open();
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            BufferEvent bev = BufferEvent.socket(base, ch, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> events.add(what));
            bev.connect(ch.getLocalAddress());
            base.dispatch();
            assertThat(events).containsExactly(BevEvent.ERROR);
            assertThat(bev.socketError()).isInstanceOf(ConnectException.class).hasMessageContaining("connected to itself");
            assertThat(bev.isConnected()).isFalse();
            bev.free();
        }
    }

    @Test
    void connectWithNullAddressAndNoConnectingChannelIsRefused() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null);
            assertThatThrownBy(() -> bev.connect(null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("address is null");
        }
    }

    @Test
    void badPortsAreRejectedAtOnceNamingTheValue() throws Exception {
        try (EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null);
            assertThatThrownBy(() -> bev.connectHostname("localhost", 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..65535").hasMessageContaining("was 0");
            assertThatThrownBy(() -> bev.connectHostname("localhost", 65536))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 65536");
            assertThatThrownBy(() -> bev.connectHostname("localhost", -1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was -1");
            assertThatThrownBy(() -> bev.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
            assertThatThrownBy(() -> bev.connect(InetSocketAddress.createUnresolved("example.org", 80)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unresolved");
            assertThatThrownBy(() -> bev.connectHostname(" ", 80))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host");
        }
    }

    @Test
    void connectHostnameLocalhostConnectsTryingEachAddress() throws Exception {
        // Listen on IPv4 loopback only: if "localhost" resolves to ::1 first, that attempt is
        // refused and the next address must be tried.
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> {
                events.add(what);
                b.free();
            });
            bev.connectHostname("localhost", server.getLocalPort());

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).containsExactly(BevEvent.CONNECTED);
            assertThat(bev.dnsError()).isNull();
        }
    }

    @Test
    void connectHostnameTriesTheNextAddressWhenTheFirstIsRefused() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            // A resolver answering two addresses; the port is the same for both, so make the
            // first address one where nothing listens on that port: 127.0.0.2.
            List<InetAddress> answer = List.of(InetAddress.getByAddress("two-addresses.test", new byte[] {127, 0, 0, 2}),
                    InetAddress.getByAddress("two-addresses.test", new byte[] {127, 0, 0, 1}));
            HostResolver resolver = host -> CompletableFuture.completedFuture(answer);
            try (EventBase base = EventBase.builder().resolver(resolver).build()) {
                BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
                List<Integer> events = new ArrayList<>();
                bev.setCallbacks(null, null, (b, what) -> {
                    events.add(what);
                    b.free();
                });
                bev.connectHostname("two-addresses.test", server.port());
                assertThat(base.dispatch()).isEqualTo(1);
                assertThat(events).containsExactly(BevEvent.CONNECTED);
                assertThat(bev.remoteAddress()).isEqualTo(server.address());
            }
        }
    }

    @Test
    void unresolvableNameGivesErrorWithDnsError() throws Exception {
        HostResolver failing = host -> CompletableFuture.failedFuture(new UnknownHostException(host));
        try (EventBase base = EventBase.builder().resolver(failing).build()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            AtomicBoolean insideConnect = new AtomicBoolean(true);
            bev.setCallbacks(null, null, (b, what) -> {
                assertThat(insideConnect).isFalse();
                events.add(what);
            });
            bev.connectHostname("no-such-host.invalid", 80);
            insideConnect.set(false);

            assertThat(base.dispatch()).isEqualTo(1);
            assertThat(events).containsExactly(BevEvent.ERROR);
            assertThat(bev.dnsError()).isInstanceOf(UnknownHostException.class).hasMessageContaining("no-such-host.invalid");
            assertThat(bev.socketError()).isSameAs(bev.dnsError());
        }
    }

    @Test
    void connectTimeoutIsTheWriteTimeoutAgainstAFullAcceptQueue() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                EventBase base = EventBase.create()) {
            List<Socket> fillers = fillAcceptQueue(server);
            try {
                BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
                List<Integer> events = new ArrayList<>();
                bev.setTimeouts(null, Duration.ofMillis(400));
                bev.setCallbacks(null, null, (b, what) -> {
                    events.add(what);
                    b.free();
                });
                long start = System.nanoTime();
                bev.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));

                assertThat(base.dispatch()).isEqualTo(1);
                long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(events).containsExactly(BevEvent.WRITING | BevEvent.TIMEOUT);
                assertThat(elapsedMs).isBetween(300L, 10_000L);
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    /** Connects blocking sockets without accepting them until one connect times out: the queue is full. */
    static List<Socket> fillAcceptQueue(ServerSocket server) throws IOException {
        List<Socket> fillers = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Socket s = new Socket();
            try {
                s.connect(server.getLocalSocketAddress(), 300);
                fillers.add(s);
            } catch (SocketTimeoutException full) {
                s.close();
                return fillers;
            }
        }
        throw new IllegalStateException("the accept queue never filled up");
    }

    @Test
    void aConnectedBufferEventCannotConnectAgain() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(null, null, (b, what) -> b.base().loopBreak());
            bev.connect(server.address());
            assertThatThrownBy(() -> bev.connect(server.address())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in progress");
            base.dispatch();
            assertThat(bev.isConnected()).isTrue();
            assertThatThrownBy(() -> bev.connect(server.address())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already connected");
            bev.free();
        }
    }
}
