package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.EventBase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** Closing the application leaves no loop thread behind (ours or the embedded echo server's). */
@Timeout(60)
class DemoShutdownTest {

    @Test
    void shuttingTheContextDownLeavesNoLoopThreadBehind() {
        SpringApplication app = new SpringApplication(DemoApplication.class);
        ConfigurableApplicationContext context = app.run("--server.port=0");
        Thread loop = context.getBean(EventBase.class).loopThread();
        assertThat(loop.isAlive()).isTrue();
        assertThat(threadNamed("demo-echo-server")).isTrue();
        context.close();
        await().atMost(Duration.ofSeconds(15)).until(() -> !loop.isAlive() && !threadNamed("demo-echo-server")
                && !threadNamed("bufferevent-loop"));
    }

    private static boolean threadNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
