package io.github.bufferevent.demo;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Leaves a named client out of the configuration: removes every {@code bufferevent.clients.<name>.*}
 * key from the configuration files (application.properties, a profile's, YAML: Boot's
 * {@link OriginTrackedMapPropertySource}s), each replaced by a copy without them, so the starter
 * never sees the client. The demo does this for {@code echo-tls} when its TLS example is off: its
 * properties there name a host and an SSL bundle that do not exist then, and a client with half its
 * settings would stop the application. Keys given any other way (command line, system properties,
 * the environment) are the user's own and stay.
 *
 * <p>Threads: the thread that starts the application, before the context exists.
 */
final class ClientPropertiesFilter {

    private ClientPropertiesFilter() {
    }

    /** Whether the client has an address of its own ({@code host} or {@code addresses}) set anywhere. */
    static boolean hasAddress(ConfigurableEnvironment environment, String client) {
        String prefix = "bufferevent.clients." + client + ".";
        return environment.containsProperty(prefix + "host") || environment.containsProperty(prefix + "addresses")
                || environment.containsProperty(prefix + "addresses[0]");
    }

    /** Removes the client's keys; returns how many were removed. */
    static int forget(ConfigurableEnvironment environment, String client) {
        String prefix = "bufferevent.clients." + client + ".";
        int removed = 0;
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof OriginTrackedMapPropertySource map)) {
                continue;
            }
            Map<String, Object> kept = new LinkedHashMap<>();
            map.getSource().forEach((key, value) -> {
                if (!key.startsWith(prefix)) {
                    kept.put(key, value);
                }
            });
            int gone = map.getSource().size() - kept.size();
            if (gone == 0) {
                continue;
            }
            removed += gone;
            environment.getPropertySources().replace(source.getName(), new OriginTrackedMapPropertySource(source.getName(), kept, true));
        }
        return removed;
    }
}
