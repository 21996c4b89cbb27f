package io.github.bufferevent.autoconfigure.actuate;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import io.github.bufferevent.autoconfigure.EventLoopWatchdog;
import io.github.bufferevent.autoconfigure.InvalidBufferEventPropertyException;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code bufferevent} health contributor, when Boot's health module is on the class path
 * ({@code management.health.bufferevent.enabled=false} switches it off). Only class conditions
 * sit on this class, so it is skipped cleanly when the module is absent.
 */
@AutoConfiguration(after = BufferEventAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
public final class BufferEventHealthAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(EventBase.class)
    @ConditionalOnEnabledHealthIndicator("bufferevent")
    @EnableConfigurationProperties(BufferEventHealthProperties.class)
    static class HealthIndicatorConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "buffereventHealthIndicator")
        BufferEventHealthIndicator buffereventHealthIndicator(EventBase base, ObjectProvider<BufferEventClients> clients,
                ObjectProvider<EventLoopWatchdog> watchdog, BufferEventHealthProperties properties) {
            Duration stuck = properties.getStuckThreshold();
            if (stuck == null || stuck.isNegative() || stuck.isZero()) {
                throw new InvalidBufferEventPropertyException("bufferevent.health.stuck-threshold", stuck, "a duration greater than 0");
            }
            return new BufferEventHealthIndicator(base, clients.getIfAvailable(), watchdog.getIfAvailable(), stuck,
                    properties.isClientDownIsDown());
        }
    }
}
