package io.github.bufferevent.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.test.LoopbackServerExtension;
import io.github.bufferevent.test.PeerBehavior;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The README's Spring example of the test kit: a named client pointed at a scripted loopback server. */
@SpringBootTest(classes = LoopbackServerSpringTest.App.class, properties = "bufferevent.clients.inventory.framing.type=line")
@DirtiesContext // the server stops after this class: so does the context (a cached one would retry a closed port)
class LoopbackServerSpringTest {

    @RegisterExtension
    static final LoopbackServerExtension INVENTORY = LoopbackServerExtension.of(PeerBehavior.scripted(Map.of("GET apples", "12")));

    @DynamicPropertySource
    static void inventoryServer(DynamicPropertyRegistry registry) {
        registry.add("bufferevent.clients.inventory.host", INVENTORY::host);
        registry.add("bufferevent.clients.inventory.port", INVENTORY::port);
    }

    @Autowired
    @Qualifier("inventory")
    BufferEventClient inventory;

    @Test
    void theNamedClientTalksToTheLoopbackServer() throws Exception {
        assertThat(inventory.exchange("GET apples").get(10, TimeUnit.SECONDS)).isEqualTo("12");
        assertThat(INVENTORY.peer().receivedText()).isEqualTo("GET apples\r\n");
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(BufferEventAutoConfiguration.class)
    static class App {
    }
}
