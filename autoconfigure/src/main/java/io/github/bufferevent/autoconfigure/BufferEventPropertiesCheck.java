package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.autoconfigure.actuate.BufferEventHealthProperties;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Fails startup on a key under {@code bufferevent.} that no setting has, naming it, where it was
 * set and the closest valid key, before anything reads the settings (unless
 * {@code bufferevent.fail-on-unknown-properties=false}). Environment variables are not checked:
 * their underscores cannot tell a client name from a key ({@code BUFFEREVENT_CLIENTS_MY_APP_HOST}).
 * Runs once, on the thread that builds the beans.
 */
final class BufferEventPropertiesCheck {

    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("bufferevent");
    static final BufferEventPropertyKeys KEYS = BufferEventPropertyKeys.of(prefixes());

    private BufferEventPropertiesCheck() {
    }

    private static Map<String, Class<?>> prefixes() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("bufferevent", BufferEventProperties.class);
        m.put("bufferevent.health", BufferEventHealthProperties.class);
        return m;
    }

    /**
     * Checks the environment's keys.
     *
     * @throws UnknownBufferEventPropertyException for the first unknown key (in name order), listing the others
     */
    static BufferEventPropertiesCheck verify(Environment environment, BufferEventProperties properties) {
        if (!properties.isFailOnUnknownProperties()) {
            return new BufferEventPropertiesCheck();
        }
        Map<ConfigurationPropertyName, String> unknown = new TreeMap<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource
                    || !(source instanceof IterableConfigurationPropertySource)) {
                continue;
            }
            ((IterableConfigurationPropertySource) source).filter(PREFIX::isAncestorOf).stream()
                    .filter(name -> !KEYS.accepts(name))
                    .forEach(name -> unknown.putIfAbsent(name, origin(source.getConfigurationProperty(name))));
        }
        if (unknown.isEmpty()) {
            return new BufferEventPropertiesCheck();
        }
        ConfigurationPropertyName first = unknown.keySet().iterator().next();
        List<String> others = new ArrayList<>();
        unknown.keySet().stream().skip(1).forEach(n -> others.add(n.toString()));
        throw new UnknownBufferEventPropertyException(first.toString(), unknown.get(first), KEYS.closest(first), others);
    }

    private static String origin(ConfigurationProperty property) {
        return property == null || property.getOrigin() == null ? null : property.getOrigin().toString();
    }
}
