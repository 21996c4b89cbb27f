package io.github.bufferevent.demo;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.ConnectionListener;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The demo's in-process peer: a line server built on the core library ({@link ConnectionListener}
 * and {@link BufferEvent} on an {@link EventBase} of its own), answering each CRLF line with the
 * same line. Started before the context so the {@code echo} client can point at its port.
 */
final class EmbeddedEchoServer implements AutoCloseable {

    private final EventBase base;
    private final ConnectionListener listener;

    EmbeddedEchoServer() {
        base = EventBase.builder().threadName("demo-echo-server").daemon(true).build();
        try {
            listener = ConnectionListener.bind(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128, this::accept);
        } catch (IOException e) {
            base.close();
            throw new UncheckedIOException("cannot start the embedded echo server", e);
        }
        base.start();
    }

    private void accept(ConnectionListener l, SocketChannel channel, java.net.SocketAddress peer) {
        try {
            BufferEvent bev = BufferEvent.socket(base, channel, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(EmbeddedEchoServer::answerLines, null, (b, events) -> {
                if ((events & (BevEvent.EOF | BevEvent.ERROR | BevEvent.TIMEOUT)) != 0) {
                    b.free();
                }
            });
            bev.enable(Ev.READ);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Echoes each complete CRLF line; an incomplete line waits for the rest. */
    private static void answerLines(BufferEvent bev) {
        EvBuffer in = bev.input();
        long eol;
        while ((eol = in.search(CRLF, 0)) >= 0) {
            in.removeBuffer(bev.output(), eol + 2);
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }


    @Override
    public void close() {
        base.shutdownGracefully(Duration.ofSeconds(2));
    }
}
