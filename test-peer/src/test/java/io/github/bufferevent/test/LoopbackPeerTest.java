package io.github.bufferevent.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import org.junit.jupiter.api.Test;

/** The parts of {@link LoopbackPeer} and {@link PeerBehavior} core's own tests lean on, with a plain socket as the client. */
class LoopbackPeerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void sendingSendsItsBytesThenEof() throws IOException {
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.sending("hello".getBytes(StandardCharsets.US_ASCII)));
                Socket s = connect(peer)) {
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        }
    }

    @Test
    void readingAllCompletesWithEverythingOnlyAtEof() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.readingAll(received)); Socket s = connect(peer)) {
            s.getOutputStream().write("one,".getBytes(StandardCharsets.US_ASCII));
            peer.awaitReceived("one,", WAIT);
            assertThat(received).isNotDone();
            s.getOutputStream().write("two".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(new String(received.get(10, TimeUnit.SECONDS), StandardCharsets.US_ASCII)).isEqualTo("one,two");
            assertThat(s.getInputStream().read()).as("then it closes").isEqualTo(-1);
        }
    }

    @Test
    void aClosedPortRefusesConnections() {
        int port = LoopbackPeer.closedPort();
        assertThat(port).isPositive();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void failuresHoldWhatEachConnectionEndedWith() throws IOException {
        try (LoopbackPeer peer = LoopbackPeer.start((socket, in, out) -> {
            if (in.read() == 'x') {
                throw new AssertionError("the peer did not want x");
            }
        })) {
            assertThat(peer.failures()).isEmpty();
            try (Socket s = connect(peer)) {
                s.getOutputStream().write('x');
                assertThat(s.getInputStream().read()).isEqualTo(-1); // the connection ended
            }
            try (Socket s = connect(peer)) {
                s.getOutputStream().write('y');
                assertThat(s.getInputStream().read()).isEqualTo(-1); // a clean end: nothing recorded
            }
            assertThat(peer.failures()).hasSize(1);
            assertThat(peer.failures().get(0)).isInstanceOf(AssertionError.class).hasMessage("the peer did not want x");
        }
    }

    @Test
    void itListensOnTheSocketsOfTheFactoryItIsGivenAlsoAfterARestart() throws IOException {
        AtomicInteger made = new AtomicInteger();
        ServerSocketFactory counting = new ServerSocketFactory() {
            @Override
            public ServerSocket createServerSocket() throws IOException {
                made.incrementAndGet();
                return new ServerSocket();
            }

            @Override
            public ServerSocket createServerSocket(int port) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog, InetAddress address) {
                throw new UnsupportedOperationException();
            }
        };
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.echo(), counting)) {
            assertThat(made).hasValue(1);
            int port = peer.port();
            peer.stop();
            peer.restart();
            assertThat(made).hasValue(2);
            assertThat(peer.port()).isEqualTo(port);
            try (Socket s = connect(peer)) {
                s.getOutputStream().write('e');
                assertThat(s.getInputStream().read()).isEqualTo('e');
            }
        }
    }

    private static Socket connect(LoopbackPeer peer) throws IOException {
        Socket s = new Socket(peer.host(), peer.port());
        s.setSoTimeout(10_000);
        return s;
    }
}
