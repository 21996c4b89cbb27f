package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.client.BufferEventClient;
import java.util.Map;
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
 * beans come from the {@link BufferEventClients} registry (through {@link #client}), created when
 * first injected.
 */
final class BufferEventClientBeanRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {

    static final String BEAN_NAME_PREFIX = "bufferEventClient.";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    /**
     * The bean of the client named {@code name}: the one in the registry, so there is never a
     * second instance, and a client removed from the registry is not handed out afresh.
     */
    static BufferEventClient client(BufferEventClients clients, String name) {
        return clients.get(name);
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        Map<String, BufferEventProperties.Client> clients = Binder.get(environment)
                .bind("bufferevent.clients", Bindable.mapOf(String.class, BufferEventProperties.Client.class))
                .orElse(Map.of());
        for (String name : clients.keySet()) {
            String beanName = BEAN_NAME_PREFIX + name;
            if (registry.containsBeanDefinition(beanName)) {
                continue;
            }
            // A static factory method with the registry autowired and the name as its argument,
            // not a lambda instance supplier: Spring AOT generates code for this form.
            RootBeanDefinition definition = new RootBeanDefinition(BufferEventClientBeanRegistrar.class);
            definition.setFactoryMethodName("client");
            definition.setTargetType(BufferEventClient.class);
            definition.getConstructorArgumentValues().addIndexedArgumentValue(1, name);
            definition.setAutowireMode(RootBeanDefinition.AUTOWIRE_CONSTRUCTOR);
            definition.setLazyInit(true);
            definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
            registry.registerBeanDefinition(beanName, definition);
        }
    }
}
