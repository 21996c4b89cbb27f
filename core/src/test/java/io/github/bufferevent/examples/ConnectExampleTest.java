package io.github.bufferevent.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.BevEvent;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConnectExampleTest {

    @Test
    void theBookExampleConnectsAndDispatchReturns() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThat(ConnectExample.mainLoop(server.getLocalPort())).isZero();
            assertThat(ConnectExample.lastEvents).isEqualTo(BevEvent.CONNECTED);
        }
    }

    @Test
    void theBookExampleReportsARefusedConnectAsError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        assertThat(ConnectExample.mainLoop(port)).isZero();
        assertThat(ConnectExample.lastEvents).isEqualTo(BevEvent.ERROR);
    }
}
