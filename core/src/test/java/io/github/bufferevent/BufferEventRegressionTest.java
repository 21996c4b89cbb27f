package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bugs found in review, each shown on real loopback sockets; each test failed before its fix. */
@Timeout(30)
class BufferEventRegressionTest {

    /**
     * Was: finishConnectFailure() with a channel the bufferevent opened itself calls dropChannel()
     * but never refresh(), so the connect timer (write timeout) stays armed after a refused connect.
     * It later fires: a spurious TIMEOUT|WRITING after the ERROR, and Ev.WRITE is silently disabled.
     */
    @Test
    void aRefusedConnectDisarmsTheConnectTimer() throws Exception {
        int port = LoopbackPeer.closedPort();
        try (EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new CopyOnWriteArrayList<>();
            bev.setCallbacks(null, null, (b, what) -> events.add(what));
            bev.setTimeouts(null, Duration.ofMillis(300)); // write timeout = connect timeout
            bev.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            base.loopExit(Duration.ofSeconds(1));
            base.dispatch();
            try {
                assertThat(events).as("events after a refused connect").containsExactly(BevEvent.ERROR);
                assertThat(bev.enabled() & Ev.WRITE).as("writing still enabled").isEqualTo(Ev.WRITE);
            } finally {
                bev.free();
            }
        }
    }

    /**
     * Was: EventBase.runFlushes() calls bev.flushQueued() unguarded. An exception from a user
     * EvBuffer callback on the output (run from EvBuffer.writeTo's drain) escapes the loop: with
     * dispatch() it is thrown to the caller; in managed mode the loop thread dies and the base closes.
     */
    @Test
    void aThrowingOutputBufferCallbackDoesNotEscapeTheLoop() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.output().addCallback((buf, before, added, deleted) -> {
                if (deleted > 0) {
                    throw new IllegalStateException("user evbuffer callback failed");
                }
            });
            bev.setCallbacks(b -> b.free(), null, (b, what) -> { });
            bev.enable(Ev.READ);
            bev.write("hello".getBytes(StandardCharsets.US_ASCII));
            bev.connect(server.address());
            base.loopExit(Duration.ofSeconds(2));
            assertThatCode(base::dispatch).as("exceptions must not escape the loop").doesNotThrowAnyException();
        }
    }

    /**
     * Was: onResolved() only checks state == CONNECTING && resolving, not which connectHostname
     * call it belongs to. After a connect timeout during resolution, a new connectHostname() to a
     * different host is hijacked by the stale lookup of the first one.
     */
    @Test
    void aStaleResolutionDoesNotHijackALaterConnectHostname() throws Exception {
        try (LoopbackPeer first = LoopbackPeer.start(PeerBehavior.echo()); LoopbackPeer second = LoopbackPeer.start(PeerBehavior.echo())) {
            Map<String, CompletableFuture<List<InetAddress>>> lookups = new ConcurrentHashMap<>();
            HostResolver resolver = host -> lookups.computeIfAbsent(host, h -> new CompletableFuture<>());
            try (EventBase base = EventBase.builder().resolver(resolver).build()) {
                BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
                List<Integer> events = new CopyOnWriteArrayList<>();
                CompletableFuture<Integer> connectedPort = new CompletableFuture<>();
                bev.setCallbacks(null, null, (b, what) -> {
                    events.add(what);
                    if (what == (BevEvent.TIMEOUT | BevEvent.WRITING)) {
                        b.setConnectTimeout(Duration.ofSeconds(5));
                        b.connectHostname("second.example", second.port()); // retry another host
                    } else if (what == BevEvent.CONNECTED) {
                        connectedPort.complete(((InetSocketAddress) b.remoteAddress()).getPort());
                        b.free();
                    }
                });
                bev.setConnectTimeout(Duration.ofMillis(200));
                bev.connectHostname("first.example", first.port());
                InetAddress lo = InetAddress.getLoopbackAddress();
                base.once(Duration.ofMillis(500), () -> lookups.get("first.example").complete(List.of(lo)));
                base.once(Duration.ofMillis(800), () -> lookups.get("second.example").complete(List.of(lo)));
                base.loopExit(Duration.ofSeconds(2));
                base.dispatch();
                assertThat(connectedPort.get(1, TimeUnit.SECONDS)).as("port the second connectHostname reached")
                        .isEqualTo(second.port());
            }
        }
    }

    /**
     * Was: connect() catches only IOException around startAttempt(); an unchecked exception from
     * SocketChannel.connect (here UnsupportedAddressTypeException) leaves state == CONNECTING for
     * good, with the opened channel and no timer: every later connect() says "already in progress".
     */
    @Test
    void anUnsupportedAddressIsRejectedAndLeavesTheBufferEventUsable() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo()); EventBase base = EventBase.create()) {
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            Throwable first = catchThrowable(() -> bev.connect(UnixDomainSocketAddress.of("/tmp/review-no-such.sock")));
            assertThat(first).isInstanceOf(IllegalArgumentException.class);
            try {
                assertThatCode(() -> bev.connect(server.address())).as("a later connect to a good address")
                        .doesNotThrowAnyException();
            } finally {
                bev.free();
            }
        }
    }
}
