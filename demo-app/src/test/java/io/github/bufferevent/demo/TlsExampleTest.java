package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;

/**
 * The demo's TLS example in the running application, with nothing installed: the SSL bundles the
 * demo registers at startup are in the context's {@link SslBundles}, the embedded line server
 * answers on its TLS port with the {@code demo-server} bundle (checked with a JDK client using the
 * {@code demo-client} bundle, verifying the name localhost), and the {@code echo-tls} client,
 * listed by the API pointing at that port as localhost, exchanges lines through the REST API as
 * {@code echo} does, over a verified TLS connection (the endpoint, the handshake meter).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Timeout(60)
class TlsExampleTest {

    @Autowired
    Environment environment;

    @Autowired
    SslBundles bundles;

    @Autowired
    BufferEventClients clients;

    private DemoHttp http;
    private int tlsPort;

    @BeforeEach
    void setUp() {
        http = new DemoHttp(environment);
        tlsPort = environment.getRequiredProperty("local.demo.embedded-echo.tls-port", Integer.class);
    }

    @Test
    void theLineServerAnswersOnItsTlsPortWithTheDemoBundles() throws Exception {
        assertThat(bundles.getBundleNames()).contains("demo-server", "demo-client");
        try (SSLSocket socket = TlsContexts.connect(bundles.getBundle("demo-client").createSslContext(), tlsPort)) {
            OutputStream out = socket.getOutputStream();
            out.write("over TLS\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(new String(socket.getInputStream().readNBytes(10), StandardCharsets.US_ASCII)).isEqualTo("over TLS\r\n");
            assertThat(socket.getSession().getPeerPrincipal().getName()).isEqualTo("CN=localhost");
        }
    }

    @Test
    void echoTlsIsListedPointingAtTheTlsPortAsLocalhost() throws Exception {
        HttpResponse<String> one = http.get("/api/clients/echo-tls");
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        assertThat(one.body()).contains("\"name\":\"echo-tls\"").contains("\"host\":\"localhost\"").contains("\"port\":" + tlsPort)
                .contains("\"framing\":\"Framing.line(CRLF, 65536)\"");
        assertThat(http.get("/api/clients").body()).contains("\"name\":\"echo-tls\"");
        assertThat(http.get("/api/stats").body()).contains("\"echo-tls\"");
    }

    @Test
    void echoTlsExchangesThroughTheRestApiLikeEchoOverAVerifiedTlsConnection() throws Exception {
        assertThat(clients.get("echo-tls").awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(clients.get("echo").awaitConnected(Duration.ofSeconds(10))).isTrue();
        for (String client : new String[] {"echo", "echo-tls"}) {
            HttpResponse<String> r = http.postText("/api/clients/" + client + "/exchange", "hello over " + client);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"client\":\"" + client + "\"").contains("\"reply\":\"hello over " + client + "\"");
        }
        // Line framing refuses a line end inside the frame, over TLS as in plain text.
        assertThat(http.postText("/api/clients/echo-tls/exchange", "two\r\nlines").statusCode()).isEqualTo(400);

        HttpResponse<String> load = http.post("/api/clients/echo-tls/load?messages=2000&concurrency=8");
        assertThat(load.statusCode()).as(load.body()).isEqualTo(202);
        String location = load.headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get(location).body().contains("\"done\":true"));
        assertThat(http.get(location).body()).contains("\"replied\":2000").contains("\"failed\":0");

        String endpoint = http.get("/actuator/bufferevents").body();
        assertThat(endpoint).contains("\"peerSubject\":\"CN=localhost\"").contains("\"protocol\":\"TLSv1.3\"");
        assertThat(http.get("/actuator/prometheus").body())
                .containsPattern("bufferevent_tls_handshakes_seconds_count\\{client=\"echo-tls\",outcome=\"success\"\\} [1-9]");
    }
}
