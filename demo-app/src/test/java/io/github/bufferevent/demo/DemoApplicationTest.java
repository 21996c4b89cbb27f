package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The demo service over HTTP, with the embedded echo server as the peer. Health details are
 * switched on here (the demo hides them from anonymous callers by default, see ExposureTest) to
 * check the starter's contributor shows through the demo.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "management.endpoint.health.show-details=always")
@ActiveProfiles("test")
@Timeout(60)
class DemoApplicationTest {

    /** A peer that accepts connections (the kernel completes them) and never answers. */
    private static final ServerSocket SILENT = silentPeer();

    @DynamicPropertySource
    static void silentClient(DynamicPropertyRegistry registry) {
        registry.add("bufferevent.clients.silent.host", () -> "127.0.0.1");
        registry.add("bufferevent.clients.silent.port", SILENT::getLocalPort);
        registry.add("bufferevent.clients.silent.framing.type", () -> "line");
        // A client without a framing: its handler reads raw bytes, it cannot exchange.
        registry.add("bufferevent.clients.unframed.host", () -> "127.0.0.1");
        registry.add("bufferevent.clients.unframed.port", SILENT::getLocalPort);
    }

    private static ServerSocket silentPeer() {
        try {
            return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void closeSilentPeer() throws IOException {
        SILENT.close();
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    Environment environment;

    @Autowired
    BufferEventClients clients;

    private String url(String path) {
        return "http://127.0.0.1:" + environment.getProperty("local.server.port") + path;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void awaitEcho() {
        assertThat(clients.get("echo").awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void exchangeThroughTheEmbeddedEchoReturnsTheLine() throws Exception {
        awaitEcho();
        HttpResponse<String> r = post("/api/clients/echo/exchange", "hello world");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"reply\":\"hello world\"").contains("\"micros\":").contains("\"client\":\"echo\"");
        HttpResponse<String> withEol = post("/api/clients/echo/exchange", "already a line\r\n");
        assertThat(withEol.body()).contains("\"reply\":\"already a line\"");
        // What `curl -d 'PING'` sends: a form content type; the line must arrive as written.
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(url("/api/clients/echo/exchange")))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("PING"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.body()).contains("\"reply\":\"PING\"");
    }

    @Test
    void clientsAreListedWithStateAndAddress() throws Exception {
        awaitEcho();
        HttpResponse<String> r = get("/api/clients");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"name\":\"echo\"").contains("\"state\":\"CONNECTED\"").contains("\"remoteAddress\":")
                .contains("\"bufferedOutputBytes\":").contains("\"lastError\":");
        assertThat(r.body()).contains("\"framing\":\"Framing.line(CRLF, 65536)\"").contains("\"name\":\"frames\"")
                .contains("\"framing\":\"Framing.lengthField(2, 65535)\"").contains("\"exchangesInFlight\":");
    }

    @Test
    void badInputGetsAProblemDetailNamingWhatWasWrong() throws Exception {
        awaitEcho();
        HttpResponse<String> unknown = post("/api/clients/nope/exchange", "x");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(unknown.body()).contains("no client named 'nope'").contains("echo");

        HttpResponse<String> empty = post("/api/clients/echo/exchange", "");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("request body is empty");

        HttpResponse<String> tooMany = post("/api/clients/echo/load?messages=0&concurrency=4", null);
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("messages must be in 1..10000000, was 0");

        HttpResponse<String> tooWide = post("/api/clients/echo/load?messages=10&concurrency=5000", null);
        assertThat(tooWide.statusCode()).isEqualTo(400);
        assertThat(tooWide.body()).contains("concurrency must be in 1..1024, was 5000");

        HttpResponse<String> notANumber = post("/api/clients/echo/load?messages=lots", null);
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(notANumber.body()).contains("'messages' must be a number");
    }

    @Test
    void aDisconnectedClientGives503AndASilentPeerGives504() throws Exception {
        awaitEcho();
        // "down" points at a port nothing listens on (application-test.properties).
        HttpResponse<String> down = post("/api/clients/down/exchange", "x");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("client 'down' is not connected");

        assertThat(clients.get("silent").awaitConnected(Duration.ofSeconds(10))).isTrue();
        long start = System.nanoTime();
        HttpResponse<String> timeout = post("/api/clients/silent/exchange", "anyone there?");
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(timeout.statusCode()).isEqualTo(504);
        assertThat(timeout.body()).contains("no reply from client 'silent' within");
        assertThat(elapsedMs).isLessThan(8_000); // never hangs past the timeout (500ms in the test profile)
    }

    @Test
    void aClientWithoutAFramingGives503NamingThePropertyToSet() throws Exception {
        assertThat(clients.get("unframed").awaitConnected(Duration.ofSeconds(10))).isTrue();
        HttpResponse<String> exchange = post("/api/clients/unframed/exchange", "x");
        assertThat(exchange.statusCode()).isEqualTo(503);
        assertThat(exchange.body()).contains("bufferevent.clients.unframed.framing.type");
        HttpResponse<String> load = post("/api/clients/unframed/load?messages=10", null);
        assertThat(load.statusCode()).isEqualTo(503);
        assertThat(load.body()).contains("bufferevent.clients.unframed.framing.type");
    }

    @Test
    void aLoadRunReportsProgressUntilDone() throws Exception {
        awaitEcho();
        HttpResponse<String> started = post("/api/clients/echo/load?messages=5000&concurrency=8", null);
        assertThat(started.statusCode()).isEqualTo(202);
        assertThat(started.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).startsWith("/api/loads/"));
        String location = started.headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> get(location).body().contains("\"done\":true"));
        String done = get(location).body();
        assertThat(done).contains("\"replied\":5000").contains("\"failed\":0");
    }

    @Test
    void prometheusShowsTheBuffereventMetersOfTheEchoClient() throws Exception {
        awaitEcho();
        post("/api/clients/echo/exchange", "count me");
        HttpResponse<String> r = get("/actuator/prometheus");
        assertThat(r.statusCode()).isEqualTo(200);
        String body = r.body();
        // Series exist once they have something to say (errors and disconnects only after one happened).
        for (String meter : new String[] {"bufferevent_connects_total", "bufferevent_connect_duration_seconds_count",
            "bufferevent_buffered_bytes", "bufferevent_bytes_total", "bufferevent_connections_active",
            "bufferevent_exchanges_seconds_count"}) {
            assertThat(body).as(meter).containsPattern(meter + "\\{[^}]*client=\"echo\"");
        }
        assertThat(body).contains("bufferevent_eventbase_turn_duration_seconds_count").contains("bufferevent_eventbase_tasks_pending")
                .contains("bufferevent_eventbase_blocked_total");
        assertThat(body).containsPattern("bufferevent_connects_total\\{client=\"echo\",outcome=\"success\"\\} [1-9]");
    }

    @Test
    void actuatorExposesHealthMetricsPrometheusAndBuffereventsOnly() throws Exception {
        awaitEcho();
        assertThat(get("/actuator/health").body()).contains("\"bufferevent\"").contains("\"echo\"");
        assertThat(get("/actuator/bufferevents").body()).contains("\"clients\"").contains("\"echo\"").contains("\"bufferEvents\"");
        assertThat(get("/actuator/metrics").statusCode()).isEqualTo(200);
        assertThat(get("/actuator/env").statusCode()).isEqualTo(404);
        assertThat(get("/actuator/beans").statusCode()).isEqualTo(404);
    }

    @Test
    void theDashboardAndTheJsonItPollsAreServed() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<canvas id=\"chart-replies\"").contains("app.js");
        assertThat(get("/app.js").body()).contains("/api/stats").contains("/api/clients");
        HttpResponse<String> stats = get("/api/stats");
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.body()).contains("\"eventBase\"").contains("\"echo\"").contains("\"bytesWritten\"").contains("\"connects\"")
                .contains("\"totals\":{\"timeMillis\":");
    }

    /** The charts open full: the app keeps one sample a second of the totals they draw, at most 90. */
    @Test
    void theDashboardHistoryIsServedAndBounded() throws Exception {
        awaitEcho();
        post("/api/clients/echo/exchange", "history");
        await().atMost(Duration.ofSeconds(20)).until(() -> samples(get("/api/stats/history").body()) >= 2);
        String history = get("/api/stats/history").body();
        assertThat(history).startsWith("[{\"timeMillis\":").contains("\"read\":").contains("\"written\":").contains("\"replied\":");
        assertThat(samples(history)).isLessThanOrEqualTo(StatsHistory.KEPT);
        assertThat(get("/app.js").body()).contains("/api/stats/history");
    }

    private static int samples(String json) {
        return json.split("\"timeMillis\"", -1).length - 1;
    }
}
