package io.github.bufferevent.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.ip.dsl.Tcp;
import org.springframework.integration.ip.tcp.connection.AbstractClientConnectionFactory;
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
 * Pipelining callers call its {@code CompletableFuture} method, which Spring Integration runs on
 * the gateway's async executor: here a fixed pool of one thread per connection, each blocking in
 * the gateway as a caller would, the rest of the window queued in the pool. One thread per
 * connection is what the gateway can use (it sends one request per connection at a time) and
 * gave it its best rate: with 64 requests in flight, 1 connection / 4 connections, pools of 1, 4,
 * 16 and 64 threads made 4,991 / 5,904, 4,338 / 16,137, 4,263 / 9,928 and 3,286 / 7,563
 * requests/s (one run each, 2026-12-03).
 */
final class SpringIntegrationRr implements RequestReplyMain.Client {

    /** What the service's code calls: Spring Integration makes the implementation. */
    public interface EchoGateway {
        byte[] exchange(byte[] request);

        /** The same flow, run on the gateway's async executor. */
        CompletableFuture<byte[]> exchangeAsync(byte[] request);
    }

    record Settings(int port, int connections, ExecutorService asyncExecutor) {
    }

    private static final Logger SPRING_LOG = Logger.getLogger("org.springframework");

    private final AnnotationConfigApplicationContext context;
    private final EchoGateway gateway;
    private final int connections;
    private final ExecutorService asyncExecutor;

    SpringIntegrationRr(int port, int connections) {
        SPRING_LOG.setLevel(Level.WARNING); // startup INFO lines would mix with the harness output
        this.connections = connections;
        this.asyncExecutor = Executors.newFixedThreadPool(connections, r -> {
            Thread t = new Thread(r, "gateway-async");
            t.setDaemon(true);
            return t;
        });
        context = new AnnotationConfigApplicationContext();
        context.registerBean(Settings.class, () -> new Settings(port, connections, asyncExecutor));
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

        /** The gateway interface in front of a {@code TcpOutboundGateway} on {@code connections}. */
        static IntegrationFlow echoFlow(AbstractClientConnectionFactory connections, Settings settings) {
            return IntegrationFlow.from(EchoGateway.class, g -> g.asyncExecutor(settings.asyncExecutor()))
                    .handle(Tcp.outboundGateway(connections).remoteTimeout(5000)).get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SharedConnection extends Common {

        @Bean
        IntegrationFlow sharedConnectionFlow(TcpNioClientConnectionFactory nio, Settings settings) {
            return echoFlow(nio, settings);
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
        IntegrationFlow cachedConnectionsFlow(CachingClientConnectionFactory caching, Settings settings) {
            return echoFlow(caching, settings);
        }
    }

    @Override
    public byte[] call(byte[] request) {
        return gateway.exchange(request);
    }

    @Override
    public CompletableFuture<byte[]> callAsync(byte[] request) {
        return gateway.exchangeAsync(request);
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
        asyncExecutor.shutdownNow();
        try {
            asyncExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
