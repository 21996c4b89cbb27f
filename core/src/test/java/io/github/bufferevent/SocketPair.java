package io.github.bufferevent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** Two connected channels on 127.0.0.1 (an ephemeral port), as libevent's tests use a socketpair. */
final class SocketPair {

    private SocketPair() {
    }

    /** Socket bufferevents ({@code CLOSE_ON_FREE}) on the two ends of a new pair. */
    static BufferEvent[] bufferEvents(EventBase base) throws IOException {
        SocketChannel[] ch = open();
        return new BufferEvent[] {BufferEvent.socket(base, ch[0], BevOption.CLOSE_ON_FREE), BufferEvent.socket(base, ch[1], BevOption.CLOSE_ON_FREE)};
    }

    static SocketChannel[] open() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            SocketChannel a = SocketChannel.open(server.getLocalAddress());
            SocketChannel b = server.accept();
            return new SocketChannel[] {a, b};
        }
    }
}
