package io.github.bufferevent.examples;

import io.github.bufferevent.BevEvent;
import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.EventBase;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The libevent book's {@code bufferevent_socket_connect} example (section 7.4.2), line for line.
 * README.md shows this file; {@code ConnectExampleTest} runs it against a local server.
 */
public final class ConnectExample {

    static volatile int lastEvents;

    static void eventcb(BufferEvent bev, int events) {
        lastEvents = events;
        if ((events & BevEvent.CONNECTED) != 0) {
            /* We're connected to 127.0.0.1:port. Ordinarily we'd do
               something here, like start reading or writing. */
        } else if ((events & BevEvent.ERROR) != 0) {
            /* An error occurred while connecting: bev.socketError() says why. */
        }
    }

    static int mainLoop(int port) throws IOException {
        EventBase base = EventBase.create();
        InetSocketAddress sin = new InetSocketAddress("127.0.0.1", port);

        BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);

        bev.setCallbacks(null, null, ConnectExample::eventcb);

        try {
            bev.connect(sin);
        } catch (IOException e) {
            /* Error starting connection */
            bev.free();
            return -1;
        }

        base.dispatch();
        bev.free();
        base.close();
        return 0;
    }

    public static void main(String[] args) throws IOException {
        System.exit(mainLoop(args.length > 0 ? Integer.parseInt(args[0]) : 8080) == 0 ? 0 : 1);
    }

    private ConnectExample() {
    }
}
