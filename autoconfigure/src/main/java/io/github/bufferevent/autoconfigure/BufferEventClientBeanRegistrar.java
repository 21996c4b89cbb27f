package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Registers each named client as a bean of type {@link BufferEventClient} qualified with its
 * name, so {@code @Qualifier("echo") BufferEventClient echo} injects the client named echo. The
 * beans come from the {@link BufferEventClients} registry.
 */
final class BufferEventClientBeanRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {

    static final String BEAN_NAME_PREFIX = "bufferEventClient.";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        Map<String, BufferEventProperties.Client> clients = Binder.get(environment)
                .bind("bufferevent.clients", Bindable.mapOf(String.class, BufferEventProperties.Client.class))
                .orElse(Map.of());
        BeanFactory beanFactory = (BeanFactory) registry;
        for (String name : clients.keySet()) {
            String beanName = BEAN_NAME_PREFIX + name;
            if (registry.containsBeanDefinition(beanName)) {
                continue;
            }
            RootBeanDefinition definition = new RootBeanDefinition(BufferEventClient.class,
                    () -> beanFactory.getBean(BufferEventClients.class).get(name));
            definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
            registry.registerBeanDefinition(beanName, definition);
        }
    }
}
