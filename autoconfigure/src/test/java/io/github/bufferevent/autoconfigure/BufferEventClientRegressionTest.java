package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.EventBase;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** A bug found in review of BufferEventClient; the test failed before its fix. */
@Timeout(60)
class BufferEventClientRegressionTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BufferEventAutoConfiguration.class));

    /**
     * Was: when the bufferevent is freed without an event callback (the base closes: EventBase.close(),
     * an application loopBreak(), or the managed loop thread dying), the client stays CONNECTED with
     * a freed bev. write() then loops forever: target.write throws ISE, target.isFreed() is true,
     * "retry", state is still CONNECTED, same target... a request thread spins at 100% CPU.
     */
    @Test
    void writeDoesNotSpinOnceTheConnectionsBufferEventIsFreedWithoutAnEvent() throws Exception {
        try (LoopbackPeer server = LoopbackPeer.start(PeerBehavior.echo())) {
            runner.withPropertyValues("bufferevent.clients.echo.host=127.0.0.1", "bufferevent.clients.echo.port=" + server.port())
                    .run(context -> {
                        BufferEventClient echo = context.getBean(BufferEventClients.class).get("echo");
                        assertThat(echo.awaitConnected(Duration.ofSeconds(10))).isTrue();
                        context.getBean(EventBase.class).close(); // e.g. the loop ended

                        CompletableFuture<Object> writeOutcome = new CompletableFuture<>();
                        Thread writer = new Thread(() -> {
                            try {
                                echo.write("x\r\n");
                                writeOutcome.complete("returned");
                            } catch (Throwable t) {
                                writeOutcome.complete(t);
                            }
                        }, "review-writer");
                        writer.setDaemon(true);
                        writer.start();
                        Object outcome;
                        try {
                            outcome = writeOutcome.get(3, TimeUnit.SECONDS);
                        } catch (java.util.concurrent.TimeoutException stuck) {
                            outcome = "write() still spinning after 3 s; client state " + echo.state();
                        } finally {
                            echo.close(); // lets the spinning writer out (state becomes CLOSING)
                            writer.join(5000);
                        }
                        assertThat(outcome).as("outcome of client.write() after the base closed")
                                .isNotInstanceOf(String.class).isInstanceOf(IllegalStateException.class);
                    });
        }
    }
}
