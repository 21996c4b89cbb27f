package io.github.bufferevent.demo;

import java.util.List;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.stereotype.Component;

/**
 * Closes the embedded servers started for this context (see
 * {@link EmbeddedServersEnvironmentPostProcessor}) when the context closes: after the clients,
 * which Spring stops (lifecycle phase) before it destroys beans, so they drain to a live peer.
 * Threads: Spring's, at startup and on close.
 */
@Component
class EmbeddedServersLifecycle implements DisposableBean {

    private final List<EmbeddedServer> servers;

    EmbeddedServersLifecycle(ConfigurableEnvironment environment) {
        Object source = environment.getPropertySources().get(EmbeddedServersEnvironmentPostProcessor.SOURCE_NAME);
        this.servers = source instanceof EmbeddedServersEnvironmentPostProcessor.ServerPropertySource s ? s.servers : List.of();
    }

    @Override
    public void destroy() {
        servers.forEach(EmbeddedServer::close);
    }
}
