package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Closing the application leaves no loop thread behind (ours or the embedded line and frame
 * servers'), nor a TLS task thread (each base's pool for the engines' delegated tasks, which the
 * echo-tls handshake starts on both sides). Only the threads this application started count:
 * contexts that other test classes left in the test context cache run threads of the same names.
 */
@Timeout(60)
class DemoShutdownTest {

    private static final Set<String> LOOP_THREADS = Set.of("bufferevent-loop", "demo-echo-server", "demo-frames-server");
    private static final Pattern TLS_THREAD = Pattern.compile("(bufferevent-loop|demo-echo-server)-tls-\\d+");

    @Test
    void shuttingTheContextDownLeavesNoLoopThreadBehind() {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        SpringApplication app = new SpringApplication(DemoApplication.class);
        ConfigurableApplicationContext context = app.run("--server.port=0");
        Thread loop = context.getBean(EventBase.class).loopThread();
        assertThat(loop.isAlive()).isTrue();
        assertThat(context.getBean(BufferEventClients.class).get("echo-tls").awaitConnected(Duration.ofSeconds(10))).isTrue();
        List<Thread> started = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && (LOOP_THREADS.contains(t.getName()) || TLS_THREAD.matcher(t.getName()).matches()))
                .toList();
        assertThat(started).extracting(Thread::getName).filteredOn(LOOP_THREADS::contains)
                .containsExactlyInAnyOrder("bufferevent-loop", "demo-echo-server", "demo-frames-server");
        assertThat(started).extracting(Thread::getName).anyMatch(n -> n.startsWith("bufferevent-loop-tls-"))
                .anyMatch(n -> n.startsWith("demo-echo-server-tls-"));
        assertThat(started).contains(loop);
        context.close();
        await().atMost(Duration.ofSeconds(15)).until(() -> started.stream().noneMatch(Thread::isAlive));
    }
}
