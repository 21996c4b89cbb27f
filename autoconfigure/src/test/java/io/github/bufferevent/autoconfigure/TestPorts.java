package io.github.bufferevent.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/** Loopback peers in states the tests need: nothing listening, or an accept queue that is full. */
public final class TestPorts {

    private TestPorts() {
    }

    /** A port on 127.0.0.1 with nothing listening (bound, then released): connects are refused. */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Connects blocking sockets to {@code server} without accepting them until one connect times
     * out: from then on the accept queue is full and a new connect stays pending.
     */
    public static List<Socket> fillAcceptQueue(ServerSocket server) throws IOException {
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
}
