package io.github.bufferevent;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener on a managed base (the loop runs on its own thread, as the starter uses it); the
 * test thread plays the foreign thread and the clients use blocking {@link Socket}s.
 *
 * <p>The pause after an accept error needs a real EMFILE, so it runs in a child JVM with few
 * descriptors: {@link ConnectionListenerAcceptErrorTest}.
 */
@Timeout(30)
class ConnectionListenerTest {

    private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
    private static final InetSocketAddress ANY_LOCAL_PORT = new InetSocketAddress("127.0.0.1", 0);

    private final List<AutoCloseable> toClose = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void closeEverything() throws Exception {
        List<AutoCloseable> copy;
        synchronized (toClose) {
            copy = new ArrayList<>(toClose);
        }
        Collections.reverse(copy); // clients and listeners before their base
        for (AutoCloseable c : copy) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private EventBase startedBase() {
        EventBase base = EventBase.builder().threadName("listener-test-loop").build();
        toClose.add(base);
        return base.start();
    }

    /** An accept callback that records what it got. */
    private final class Recorder implements ConnectionListener.AcceptCallback {
        final BlockingQueue<Accepted> accepted = new LinkedBlockingQueue<>();

        @Override
        public void onAccept(ConnectionListener listener, SocketChannel channel, SocketAddress peer) {
            closeLater(channel);
            accepted.add(new Accepted(listener, channel, peer, Thread.currentThread(), listener.base().inLoopThread(),
                    channel.isBlocking()));
        }

        Accepted next() throws InterruptedException {
            Accepted a = accepted.poll(5, SECONDS);
            assertThat(a).as("a connection was accepted within 5 s").isNotNull();
            return a;
        }
    }

    private static final class Accepted {
        final ConnectionListener listener;
        final SocketChannel channel;
        final SocketAddress peer;
        final Thread thread;
        final boolean inLoopThread;
        final boolean blocking;

        Accepted(ConnectionListener listener, SocketChannel channel, SocketAddress peer, Thread thread, boolean inLoopThread,
                boolean blocking) {
            this.listener = listener;
            this.channel = channel;
            this.peer = peer;
            this.thread = thread;
            this.inLoopThread = inLoopThread;
            this.blocking = blocking;
        }
    }

    private static int port(ConnectionListener listener) {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    private Socket connect(int port) throws IOException {
        Socket s = closeLater(new Socket());
        s.setSoTimeout(5_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return s;
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void roundTrip(EventBase base) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        base.execute(done::countDown);
        assertThat(done.await(5, SECONDS)).isTrue();
    }

    private static String readExactly(InputStream in, int n) throws IOException {
        byte[] buf = in.readNBytes(n);
        return new String(buf, US_ASCII);
    }

    @Test
    void bindReportsTheRealPortAndAcceptsOnTheLoopThread() throws Exception {
        EventBase base = startedBase();
        Recorder recorder = new Recorder();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, -1, recorder));
        InetSocketAddress local = (InetSocketAddress) listener.localAddress();
        assertThat(local.getPort()).isBetween(1, 65535);
        assertThat(local.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(listener.base()).isSameAs(base);
        assertThat(listener.isEnabled()).isTrue();

        Socket client = connect(local.getPort());
        Accepted a = recorder.next();
        assertThat(a.listener).isSameAs(listener);
        assertThat(a.thread.getName()).isEqualTo("listener-test-loop");
        assertThat(a.inLoopThread).isTrue();
        assertThat(a.blocking).as("the accepted channel is non-blocking").isFalse();
        assertThat(a.peer).isEqualTo(client.getLocalSocketAddress());
        assertThat(a.channel.getRemoteAddress()).isEqualTo(client.getLocalSocketAddress());
    }

    @Test
    void anAcceptedChannelWrappedInABufferEventEchoes() throws Exception {
        EventBase base = startedBase();
        AtomicInteger eofs = new AtomicInteger();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> {
            try {
                BufferEvent bev = BufferEvent.socket(base, ch, BevOption.CLOSE_ON_FREE);
                bev.setCallbacks(b -> b.output().addBuffer(b.input()), null, (b, events) -> {
                    if ((events & BevEvent.EOF) != 0) {
                        eofs.incrementAndGet();
                    }
                    b.free();
                });
                bev.enable(Ev.READ);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }));
        int port = port(listener);
        for (int i = 0; i < 3; i++) {
            Socket client = connect(port);
            String message = "hello " + i + "\n";
            client.getOutputStream().write(message.getBytes(US_ASCII));
            client.getOutputStream().flush();
            assertThat(readExactly(client.getInputStream(), message.length())).isEqualTo(message);
            byte[] big = new byte[200_000];
            for (int j = 0; j < big.length; j++) {
                big[j] = (byte) ('a' + j % 26);
            }
            client.getOutputStream().write(big);
            client.getOutputStream().flush();
            assertThat(client.getInputStream().readNBytes(big.length)).isEqualTo(big);
            client.shutdownOutput();
            assertThat(client.getInputStream().read()).as("the server freed its side after EOF").isEqualTo(-1);
        }
        await().atMost(FIVE_SECONDS).until(() -> eofs.get() == 3);
        await().atMost(FIVE_SECONDS).until(() -> base.liveBufferEvents() == 0);
    }

    @Test
    void disableStopsAcceptingAndEnableResumes() throws Exception {
        EventBase base = startedBase();
        Recorder recorder = new Recorder();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, recorder));
        int port = port(listener);

        listener.disable();
        assertThat(listener.isEnabled()).isFalse();
        roundTrip(base); // the loop has applied it

        connect(port); // completes in the kernel's backlog
        await().during(Duration.ofMillis(500)).atMost(FIVE_SECONDS).until(() -> recorder.accepted.isEmpty());

        listener.enable();
        assertThat(listener.isEnabled()).isTrue();
        Accepted a = recorder.next();
        assertThat(a.inLoopThread).isTrue();

        // Still accepting after the round trip.
        connect(port);
        recorder.next();
    }

    @Test
    void disableAndEnableFromInsideTheAcceptCallback() throws Exception {
        EventBase base = startedBase();
        Recorder recorder = new Recorder();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> {
            recorder.onAccept(l, ch, peer);
            l.disable(); // one at a time
        }));
        int port = port(listener);
        connect(port);
        connect(port);
        recorder.next();
        await().during(Duration.ofMillis(500)).atMost(FIVE_SECONDS).until(() -> recorder.accepted.isEmpty());
        assertThat(listener.isEnabled()).isFalse();
        listener.enable();
        recorder.next();
    }

    @Test
    void freeClosesThePortWhileTheLoopRuns() throws Exception {
        EventBase base = startedBase();
        Recorder recorder = new Recorder();
        ConnectionListener listener = ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, recorder);
        int port = port(listener);
        connect(port);
        recorder.next();

        listener.free();
        assertThat(listener.isEnabled()).isFalse();
        await().atMost(FIVE_SECONDS).until(() -> refused(port));
        assertThat(base.registeredChannels()).isZero();
        listener.free(); // idempotent
        listener.close();
        assertThat(recorder.accepted).isEmpty();
    }

    @Test
    void freeClosesThePortAtOnceWhenNoLoopRuns() throws Exception {
        EventBase base = closeLater(EventBase.create());
        ConnectionListener listener = ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> closeLater(ch));
        int port = port(listener);
        assertThat(refused(port)).as("listening before free").isFalse();
        listener.free();
        // libevent's evconnlistener_free closes the socket at once; NIO would keep it open,
        // still accepting into its backlog, until the selector next runs.
        assertThat(refused(port)).as("refused right after free()").isTrue();
        assertThat(base.dispatch()).as("nothing left to wait for").isEqualTo(1);
    }

    @Test
    void closingTheBaseClosesItsListeners() throws Exception {
        EventBase base = startedBase();
        ConnectionListener listener = ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> closeLater(ch));
        int port = port(listener);
        assertThat(refused(port)).isFalse();
        base.close();
        assertThat(refused(port)).isTrue();
        assertThat(listener.isEnabled()).isFalse();
        assertThatThrownBy(() -> ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aNullAcceptCallbackClosesTheConnection() throws Exception {
        EventBase base = startedBase();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, null));
        Socket client = connect(port(listener));
        assertThat(client.getInputStream().read()).as("closed by the listener").isEqualTo(-1);

        Recorder recorder = new Recorder();
        listener.setAcceptCallback(recorder);
        connect(port(listener));
        recorder.next();
    }

    @Test
    void aThrowingAcceptCallbackDoesNotStopTheListener() throws Exception {
        EventBase base = startedBase();
        Recorder recorder = new Recorder();
        AtomicInteger calls = new AtomicInteger();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> {
            if (calls.incrementAndGet() == 1) {
                closeLater(ch);
                throw new IllegalStateException("accept callback boom (expected by the test)");
            }
            recorder.onAccept(l, ch, peer);
        }));
        connect(port(listener));
        connect(port(listener));
        recorder.next();
        assertThat(calls).hasValue(2);
        assertThat(listener.isEnabled()).isTrue();
    }

    @Test
    void aThrowingAcceptCallbackHasItsChannelClosedAndCounted() throws Exception {
        EventBase base = startedBase();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 128, (l, ch, peer) -> {
            throw new IllegalStateException("accept callback boom (expected by the test)");
        }));
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            clients.add(connect(port(listener)));
        }
        for (Socket client : clients) {
            assertThat(client.getInputStream().read()).as("closed by the listener, not leaked").isEqualTo(-1);
        }
        assertThat(listener.acceptCallbackErrors()).isEqualTo(100);
        assertThat(listener.isEnabled()).isTrue();
    }

    @Test
    void bindBeforeTheLoopRunsAcceptsOnceItDoes() throws Exception {
        EventBase base = closeLater(EventBase.create());
        Recorder recorder = new Recorder();
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 0, (l, ch, peer) -> {
            recorder.onAccept(l, ch, peer);
            l.free(); // nothing left: dispatch() returns
        }));
        Socket client = connect(port(listener)); // queued in the backlog before the loop runs
        assertThat(base.dispatch()).isEqualTo(1);
        Accepted a = recorder.next();
        assertThat(a.thread).isSameAs(Thread.currentThread());
        assertThat(a.inLoopThread).isTrue();
        assertThat(a.peer).isEqualTo(client.getLocalSocketAddress());
    }

    @Test
    void backlogBelowMinusOneIsRejected() {
        EventBase base = closeLater(EventBase.create());
        assertThatThrownBy(() -> ConnectionListener.bind(base, ANY_LOCAL_PORT, -2, (l, ch, peer) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backlog").hasMessageContaining("-2");
        assertThat(base.registeredChannels()).isZero();
    }

    @Test
    void bindingAPortInUseThrowsBindException() throws Exception {
        EventBase base = closeLater(EventBase.create());
        ConnectionListener first = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> { }));
        InetSocketAddress taken = new InetSocketAddress("127.0.0.1", port(first));
        assertThatThrownBy(() -> ConnectionListener.bind(base, taken, 16, (l, ch, peer) -> { }))
                .isInstanceOf(BindException.class);
        assertThat(base.registeredChannels()).as("only the first listener").isEqualTo(1);
        assertThat(refused(port(first))).as("the first listener still listens").isFalse();
    }

    @Test
    void setErrorPauseRejectsNegative() throws Exception {
        EventBase base = closeLater(EventBase.create());
        ConnectionListener listener = closeLater(ConnectionListener.bind(base, ANY_LOCAL_PORT, 16, (l, ch, peer) -> { }));
        assertThatThrownBy(() -> listener.setErrorPause(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pause");
        listener.setErrorPause(Duration.ZERO);
    }
}
