package io.github.bufferevent.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The programmatic extension: a static field runs one peer for the class, an instance field one per test. */
class LoopbackServerExtensionTest {

    @RegisterExtension
    static final LoopbackServerExtension SHARED = LoopbackServerExtension.of(PeerBehavior.lineEcho());

    @RegisterExtension
    final LoopbackServerExtension own = LoopbackServerExtension.of(PeerBehavior.echo());

    private static LoopbackPeer sharedSeen;

    @Test
    void theSharedPeerIsTheSameInEveryTest() throws IOException {
        check();
    }

    @Test
    void theSharedPeerIsTheSameInEveryTestToo() throws IOException {
        check();
    }

    private void check() throws IOException {
        synchronized (LoopbackServerExtensionTest.class) {
            if (sharedSeen == null) {
                sharedSeen = SHARED.peer();
            }
            assertThat(SHARED.peer()).isSameAs(sharedSeen);
        }
        assertThat(SHARED.port()).isEqualTo(SHARED.peer().port());
        assertThat(own.peer()).isNotSameAs(SHARED.peer());
        assertThat(own.peer().accepted()).isZero(); // fresh for this test
        try (Socket s = LoopbackServerTest.connect(own.peer())) {
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).isEqualTo('x');
        }
    }

    @AfterAll
    static void theSharedPeerStillRunsUntilAfterAll() {
        assertThat(SHARED.peer().isRunning()).isTrue();
    }
}
