package io.github.bufferevent.autoconfigure.metrics;

import io.github.bufferevent.EventBase;
import io.github.bufferevent.autoconfigure.BufferEventAutoConfiguration;
import io.github.bufferevent.autoconfigure.BufferEventInstrumentation;
import io.github.bufferevent.autoconfigure.EventLoopWatchdog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters for the bufferevent starter (see {@link BufferEventMeters}), when the
 * application has a {@link MeterRegistry}.
 */
@AutoConfiguration(before = BufferEventAutoConfiguration.class,
        afterName = {"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
            "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "bufferevent.enabled", matchIfMissing = true)
public final class BufferEventMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(BufferEventInstrumentation.class)
    MicrometerBufferEventInstrumentation bufferEventInstrumentation(MeterRegistry registry,
            ObjectProvider<ObservationRegistry> observations) {
        return new MicrometerBufferEventInstrumentation(registry, observations.getIfAvailable(() -> ObservationRegistry.NOOP));
    }

    @Bean
    EventBaseMeterBinder bufferEventBaseMeterBinder(EventBase base, ObjectProvider<EventLoopWatchdog> watchdog) {
        return new EventBaseMeterBinder(base, watchdog.getIfAvailable());
    }
}
