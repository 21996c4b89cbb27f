package io.github.bufferevent.bench;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.ip.dsl.Tcp;
import org.springframework.integration.ip.tcp.connection.CachingClientConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpNioClientConnectionFactory;
import org.springframework.integration.ip.tcp.serializer.ByteArrayCrLfSerializer;

/**
 * Spring Integration 7 as a Spring service would write it: an application context with
 * {@code @EnableIntegration}, a messaging gateway interface ({@link EchoGateway}) in front of an
 * {@code IntegrationFlow} that hands each request to a {@code TcpOutboundGateway} on a
 * {@link TcpNioClientConnectionFactory} with {@link ByteArrayCrLfSerializer} both ways and
 * TCP_NODELAY. One connection: the factory's shared connection (the gateway lets one request at a
 * time use it). Several: a {@link CachingClientConnectionFactory} of that size in front of it,
 * the documented way to let concurrent requests use several connections (one request on each
 * connection at a time; the gateway does not pipeline). Callers block on the gateway method.
 */
final class SpringIntegrationRr implements RequestReplyMain.Client {

    /** What the service's code calls: Spring Integration makes the implementation. */
    public interface EchoGateway {
        byte[] exchange(byte[] request);
    }

    record Settings(int port, int connections) {
    }

    private static final Logger SPRING_LOG = Logger.getLogger("org.springframework");

    private final AnnotationConfigApplicationContext context;
    private final EchoGateway gateway;
    private final int connections;

    SpringIntegrationRr(int port, int connections) {
        SPRING_LOG.setLevel(Level.WARNING); // startup INFO lines would mix with the harness output
        this.connections = connections;
        context = new AnnotationConfigApplicationContext();
        context.registerBean(Settings.class, () -> new Settings(port, connections));
        context.register(connections == 1 ? SharedConnection.class : CachedConnections.class);
        context.refresh();
        gateway = context.getBean(EchoGateway.class);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class Common {

        @Bean
        TcpNioClientConnectionFactory nioConnectionFactory(Settings settings) {
            ByteArrayCrLfSerializer crlf = new ByteArrayCrLfSerializer();
            return Tcp.nioClient("127.0.0.1", settings.port()).serializer(crlf).deserializer(crlf).soTcpNoDelay(true).lookupHost(false)
                    .getObject();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SharedConnection extends Common {

        @Bean
        IntegrationFlow echoFlow(TcpNioClientConnectionFactory nio) {
            return IntegrationFlow.from(EchoGateway.class).handle(Tcp.outboundGateway(nio).remoteTimeout(5000)).get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CachedConnections extends Common {

        @Bean
        CachingClientConnectionFactory cachingConnectionFactory(TcpNioClientConnectionFactory nio, Settings settings) {
            CachingClientConnectionFactory caching = new CachingClientConnectionFactory(nio, settings.connections());
            caching.setConnectionWaitTimeout(5000);
            return caching;
        }

        @Bean
        IntegrationFlow echoFlow(CachingClientConnectionFactory caching) {
            return IntegrationFlow.from(EchoGateway.class).handle(Tcp.outboundGateway(caching).remoteTimeout(5000)).get();
        }
    }

    @Override
    public byte[] call(byte[] request) {
        return gateway.exchange(request);
    }

    @Override
    public String describe() {
        return "spring-integration: TcpOutboundGateway behind a messaging gateway, "
                + (connections == 1 ? "shared NIO connection" : "CachingClientConnectionFactory of " + connections);
    }

    @Override
    public void close() {
        SPRING_LOG.setLevel(Level.OFF); // its selector thread logs the closed selector as an error on every shutdown
        context.close();
    }
}
