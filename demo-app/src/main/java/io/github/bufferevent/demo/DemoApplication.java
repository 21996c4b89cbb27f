package io.github.bufferevent.demo;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

/**
 * A TCP-probe service on the bufferevent starter: named clients from properties (by default
 * {@code echo}, line framing, connected to an in-process line server, {@code echo-tls}, the same
 * over TLS to that server's TLS port, and {@code frames}, length-field framing, connected to an
 * in-process frame server), a REST API to exchange frames
 * and drive load, actuator metrics and health, and a live dashboard at {@code /}.
 *
 * <p>Threads: {@code main} starts it; the log line runs on the thread that starts the context.
 */
@SpringBootApplication
public class DemoApplication {

    private static final Log LOG = LogFactory.getLog(DemoApplication.class);

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }

    @EventListener(ApplicationReadyEvent.class)
    void logUrls(ApplicationReadyEvent event) {
        Environment env = event.getApplicationContext().getEnvironment();
        String base = "http://" + host(env.getProperty("server.address")) + ":"
                + env.getProperty("local.server.port", env.getProperty("server.port", "8080"));
        StringBuilder exchanges = new StringBuilder();
        for (String client : event.getApplicationContext().getBean(BufferEventClients.class).names()) {
            exchanges.append(exchanges.isEmpty() ? "    exchange    " : "                ")
                    .append("curl -s -X POST -d 'hello' ").append(base).append("/api/clients/").append(client).append("/exchange\n");
        }
        LOG.info("\n\n  bufferevent demo is up:\n"
                + "    dashboard   " + base + "/\n"
                + "    clients     " + base + "/api/clients\n"
                + exchanges
                + "    load        curl -s -X POST '" + base + "/api/clients/echo/load?messages=100000&concurrency=16'\n"
                + "    prometheus  " + base + "/actuator/prometheus\n"
                + "    endpoint    " + base + "/actuator/bufferevents\n");
    }

    /** The host part of the URLs to print: the bound address, or localhost for all interfaces. */
    private static String host(String address) {
        if (address == null || address.isBlank() || address.equals("0.0.0.0") || address.equals("::")) {
            return "localhost";
        }
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
