package io.github.bufferevent.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Boot's metadata processor stops at {@code Map<String, Client>}, so the IDE metadata lists every
 * client key itself, as {@code bufferevent.clients.*.<key>} with a description (and a default
 * where the key has one of its own). This keeps that list equal to the keys the properties
 * classes really have: a new setting without metadata, or metadata for a setting that is gone, fails.
 */
class ClientKeysMetadataTest {

    @Test
    void everyClientKeyIsInTheIdeMetadataWithADescription() throws Exception {
        Map<String, JsonNode> metadata = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the processor's metadata").isNotNull();
            for (JsonNode p : JsonMapper.builder().build().readTree(in).get("properties")) {
                metadata.put(p.get("name").asString(), p);
            }
        }
        List<String> clientKeys = BufferEventPropertiesCheck.KEYS.names().stream()
                .filter(n -> n.startsWith("bufferevent.clients.*.")).toList();
        assertThat(clientKeys).contains("bufferevent.clients.*.host", "bufferevent.clients.*.ssl.bundle",
                "bufferevent.clients.*.framing.type", "bufferevent.clients.*.reconnect.on-demand");
        for (String key : clientKeys) {
            assertThat(metadata).as("metadata for %s", key).containsKey(key);
            assertThat(metadata.get(key).path("description").asString()).as("description of %s", key).isNotBlank();
        }
        assertThat(metadata.keySet().stream().filter(n -> n.startsWith("bufferevent.clients.*.")))
                .as("no metadata for keys that do not exist").containsExactlyInAnyOrderElementsOf(clientKeys);
        assertThat(metadata.get("bufferevent.clients.*.reply-timeout").get("defaultValue").asString()).isEqualTo("5s");
        assertThat(metadata.get("bufferevent.clients.*.pool-size").get("defaultValue").asInt()).isEqualTo(1);
    }
}
