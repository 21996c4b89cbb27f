package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import io.github.bufferevent.client.BufferEventClientHandler;
import io.github.bufferevent.BevRateLimitGroup;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.EventBase;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportRuntimeHints;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of the bufferevent starter: an {@link EventBase} running on its own selector
 * thread, a {@link BufferEventFactory} with the {@code bufferevent.defaults}, the rate-limit groups
 * of {@code bufferevent.rate-limit-groups} and the named clients of {@code bufferevent.clients}
 * (over TLS with {@code ssl.*}, material from Boot's SSL bundles). Every bean backs off when the
 * application declares its own.
 * {@code bufferevent.enabled=false} turns it all off.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "bufferevent.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BufferEventProperties.class)
@ImportRuntimeHints(BufferEventRuntimeHints.class)
public final class BufferEventAutoConfiguration {

    /** The client name the {@link BufferEventFactory} bean reports under. */
    public static final String DEFAULT_CLIENT_NAME = "default";

    /** Unknown keys under bufferevent. stop startup before any bean reads the settings. */
    @Bean
    BufferEventPropertiesCheck bufferEventPropertiesCheck(Environment environment, BufferEventProperties properties) {
        return BufferEventPropertiesCheck.verify(environment, properties);
    }

    @Bean
    @ConditionalOnMissingBean
    EventBase bufferEventBase(BufferEventProperties properties, ObjectProvider<BufferEventInstrumentation> instrumentation,
            BufferEventPropertiesCheck checked) {
        String threadName = properties.getEventBase().getThreadName();
        if (threadName == null || threadName.isBlank()) {
            throw new InvalidBufferEventPropertyException("bufferevent.event-base.thread-name", threadName, "a non-blank thread name");
        }
        return EventBase.builder()
                .threadName(threadName)
                .instrumentation(instrumentation.getIfAvailable(() -> BufferEventInstrumentation.NONE).forEventBase())
                .build();
    }

    @Bean
    @ConditionalOnMissingBean
    EventBaseLifecycle bufferEventBaseLifecycle(EventBase base, BufferEventProperties properties) {
        java.time.Duration timeout = properties.getEventBase().getShutdownTimeout();
        if (timeout == null || timeout.isNegative()) {
            throw new InvalidBufferEventPropertyException("bufferevent.event-base.shutdown-timeout", timeout, "a duration of 0 or more");
        }
        return new EventBaseLifecycle(base, timeout);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EventLoopWatchdog bufferEventLoopWatchdog(EventBase base, BufferEventProperties properties) {
        java.time.Duration threshold = properties.getEventBase().getBlockedThreshold();
        if (threshold == null || threshold.isNegative() || threshold.isZero()) {
            throw new InvalidBufferEventPropertyException("bufferevent.event-base.blocked-threshold", threshold,
                    "a duration greater than 0");
        }
        return new EventLoopWatchdog(base, threshold);
    }

    @Bean
    @ConditionalOnMissingBean
    BufferEventFactory bufferEventFactory(EventBase base, BufferEventProperties properties,
            ObjectProvider<BufferEventInstrumentation> instrumentation, BufferEventPropertiesCheck checked) {
        return ConnectionSettings.ofDefaults(properties.getDefaults())
                .factory(base, instrumentation.getIfAvailable(() -> BufferEventInstrumentation.NONE).forClient(DEFAULT_CLIENT_NAME));
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    BufferEventRateLimitGroups bufferEventRateLimitGroups(EventBase base, BufferEventProperties properties,
            BufferEventPropertiesCheck checked) {
        return BufferEventRateLimitGroups.create(base, properties.getRateLimitGroups());
    }

    @Bean
    @ConditionalOnMissingBean
    BufferEventClients bufferEventClients(EventBase base, BufferEventProperties properties,
            ObjectProvider<BufferEventInstrumentation> instrumentation, ObjectProvider<BufferEventClientCustomizer> customizers,
            ListableBeanFactory beanFactory, BufferEventRateLimitGroups groups, ObjectProvider<SslBundles> sslBundles,
            BufferEventPropertiesCheck checked) {
        BufferEventInstrumentation instr = instrumentation.getIfAvailable(() -> BufferEventInstrumentation.NONE);
        ConnectionSettings.ofDefaults(properties.getDefaults()); // report a bad default under its own name first
        Map<String, BufferEventClient> clients = new LinkedHashMap<>();
        Map<String, ClientSettings> settingsByName = new LinkedHashMap<>();
        properties.getClients().forEach((name, client) -> {
            ClientSettings settings = ClientSettings.of(name, client, properties.getDefaults(), groups.names());
            settingsByName.put(name, settings);
            BevRateLimitGroup group = settings.rateLimitGroup == null ? null : groups.get(settings.rateLimitGroup);
            ClientTls tls = ClientTls.of(name, settings.connection, sslBundles.getIfAvailable());
            BufferEventClient c = settings.toClient(base, settings.connection.factory(base, instr.forClient(name), group),
                    instr.forExchanges(name), tls);
            BufferEventClientHandler handler = handlerFor(beanFactory, name);
            if (handler != null) {
                c.setHandler(handler);
            }
            clients.put(name, c);
            instr.clientCreated(c);
        });
        customizers.orderedStream().forEach(customizer -> clients.values().forEach(customizer::customize));
        return new BufferEventClients(clients, settingsByName, instr);
    }

    /** The {@link BufferEventClientHandler} bean qualified (or named) with the client's name, if any. */
    private static BufferEventClientHandler handlerFor(ListableBeanFactory beanFactory, String name) {
        if (beanFactory.getBeanNamesForType(BufferEventClientHandler.class).length == 0) {
            return null;
        }
        try {
            return BeanFactoryAnnotationUtils.qualifiedBeanOfType(beanFactory, BufferEventClientHandler.class, name);
        } catch (NoSuchBeanDefinitionException none) {
            return null;
        }
    }

    @Bean
    static BufferEventClientBeanRegistrar bufferEventClientBeanRegistrar() {
        return new BufferEventClientBeanRegistrar();
    }
}
