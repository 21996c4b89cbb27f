package io.github.bufferevent.autoconfigure.actuate;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code bufferevents} actuator endpoint, when the actuator is on the class path and the
 * endpoint is exposed ({@code management.endpoints.web.exposure.include=bufferevents}).
 */
@AutoConfiguration(after = BufferEventAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
public final class BufferEventEndpointAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(EventBase.class)
    @ConditionalOnAvailableEndpoint(BufferEventsEndpoint.class)
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        BufferEventsEndpoint bufferEventsEndpoint(EventBase base, ObjectProvider<BufferEventClients> clients) {
            return new BufferEventsEndpoint(base, clients.getIfAvailable());
        }
    }
}
