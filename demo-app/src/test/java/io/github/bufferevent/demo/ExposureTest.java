package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;

/**
 * Defect 10: the demo listened on every interface and showed health details to anyone. By default
 * it binds 127.0.0.1 and {@code /actuator/health} answers an anonymous caller with the status only;
 * the dashboard does not depend on health details.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Timeout(60)
class ExposureTest {

    @Autowired
    Environment environment;

    private DemoHttp http;

    @BeforeEach
    void setUp() {
        http = new DemoHttp(environment);
    }

    @Test
    void theServerBindsLoopbackByDefault() throws Exception {
        assertThat(environment.getProperty("server.address")).isEqualTo("127.0.0.1");
        int port = Integer.parseInt(environment.getProperty("local.server.port"));
        assertThat(connects(InetAddress.getByName("127.0.0.1"), port)).isTrue();

        List<InetAddress> elsewhere = otherAddressesOfThisHost();
        assumeThat(elsewhere).as("this host has no address besides 127.0.0.1 to try").isNotEmpty();
        for (InetAddress a : elsewhere) {
            assertThat(connects(a, port)).as("the demo answers on " + a.getHostAddress()).isFalse();
        }
    }

    @Test
    void healthShowsNoComponentDetailsToAnAnonymousCaller() throws Exception {
        HttpResponse<String> health = http.get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").doesNotContain("components").doesNotContain("details")
                .doesNotContain("bufferevent").doesNotContain("echo").doesNotContain("127.0.0.1");
        // The read-only endpoint list is unchanged.
        assertThat(http.get("/actuator/metrics").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/prometheus").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/bufferevents").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/env").statusCode()).isEqualTo(404);
    }

    @Test
    void theDashboardNeedsNoHealthDetails() throws Exception {
        assertThat(http.get("/").statusCode()).isEqualTo(200);
        String script = http.get("/app.js").body();
        assertThat(script).contains("/api/clients").contains("/api/stats").contains("/api/loads").doesNotContain("/actuator/health");
        for (String json : new String[] {"/api/clients", "/api/stats", "/api/loads"}) {
            assertThat(http.get(json).statusCode()).as(json).isEqualTo(200);
        }
        assertThat(http.get("/api/clients").body()).contains("\"name\":\"echo\"").contains("\"state\":");
    }

    /**
     * Addresses of this host other than 127.0.0.1 that a wildcard listener answers on: its
     * non-loopback IPv4 addresses, and 127.0.0.2 where the system routes all of 127/8 to the
     * loopback interface (Linux does; checked with a wildcard listener of our own).
     */
    private static List<InetAddress> otherAddressesOfThisHost() throws IOException {
        List<InetAddress> found = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        found.add(a);
                    }
                }
            }
        }
        InetAddress second = InetAddress.getByName("127.0.0.2");
        try (ServerSocket wildcard = new ServerSocket(0)) {
            if (connects(second, wildcard.getLocalPort())) {
                found.add(second);
            }
        }
        return found;
    }

    private static boolean connects(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2_000);
            return true;
        } catch (IOException refusedOrUnreachable) {
            return false;
        }
    }
}
