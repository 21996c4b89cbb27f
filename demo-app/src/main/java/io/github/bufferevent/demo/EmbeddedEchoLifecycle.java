package io.github.bufferevent.demo;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.stereotype.Component;

/** Closes the embedded echo server, if one was started for this context, when the context closes. */
@Component
class EmbeddedEchoLifecycle implements DisposableBean {

    private final EmbeddedEchoServer server;

    EmbeddedEchoLifecycle(ConfigurableEnvironment environment) {
        Object source = environment.getPropertySources().get(EmbeddedEchoEnvironmentPostProcessor.SOURCE_NAME);
        this.server = source instanceof EmbeddedEchoEnvironmentPostProcessor.ServerPropertySource s ? s.server : null;
    }

    @Override
    public void destroy() {
        if (server != null) {
            server.close();
        }
    }
}
