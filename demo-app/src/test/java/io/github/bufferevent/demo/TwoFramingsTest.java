package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;

/**
 * The demo's two clients, each in its own framing against its own in-process peer: {@code echo}
 * (line framing, the line server echoes each line) and {@code frames} (2-byte length-field
 * framing, the frame server answers each frame upper-cased), through the REST API, the load runs
 * and the JSON the dashboard reads.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Timeout(60)
class TwoFramingsTest {

    @Autowired
    Environment environment;

    @Autowired
    BufferEventClients clients;

    private DemoHttp http;

    @BeforeEach
    void setUp() {
        http = new DemoHttp(environment);
        assertThat(clients.get("echo").awaitConnected(Duration.ofSeconds(10))).isTrue();
        assertThat(clients.get("frames").awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void eachClientAnswersThroughItsOwnFraming() throws Exception {
        HttpResponse<String> line = http.postText("/api/clients/echo/exchange", "hello line");
        assertThat(line.statusCode()).as(line.body()).isEqualTo(200);
        assertThat(line.body()).contains("\"client\":\"echo\"").contains("\"reply\":\"hello line\"").contains("\"micros\":");

        HttpResponse<String> frame = http.postText("/api/clients/frames/exchange", "hello frames, 2 bytes of length");
        assertThat(frame.statusCode()).as(frame.body()).isEqualTo(200);
        assertThat(frame.body()).contains("\"client\":\"frames\"").contains("\"reply\":\"HELLO FRAMES, 2 BYTES OF LENGTH\"");
        // Non-ASCII text survives: only ASCII letters are upper-cased, the UTF-8 bytes stay whole.
        assertThat(http.postText("/api/clients/frames/exchange", "grüße").body()).contains("\"reply\":\"GRüßE\"");
    }

    @Test
    void aLengthFieldFrameCarriesLineEndsAsDataWhereLineFramingRefusesThem() throws Exception {
        HttpResponse<String> frame = http.postText("/api/clients/frames/exchange", "two\r\nlines");
        assertThat(frame.statusCode()).as(frame.body()).isEqualTo(200);
        assertThat(frame.body()).contains("\"reply\":\"TWO\\r\\nLINES\"");

        HttpResponse<String> line = http.postText("/api/clients/echo/exchange", "two\r\nlines");
        assertThat(line.statusCode()).isEqualTo(400);
        assertThat(line.body()).contains("line end");
    }

    @Test
    void aRequestOverTheFramingsLimitIs400AndTheClientStaysUsable() throws Exception {
        // 64 KiB: the API takes it, the 2-byte length field cannot count it (65535 at most).
        HttpResponse<String> tooLong = http.postText("/api/clients/frames/exchange", "x".repeat(ExchangeBody.MAX_BYTES));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(tooLong.body()).contains("too long for client 'frames'").contains("over the limit of 65535 bytes");

        HttpResponse<String> longest = http.postText("/api/clients/frames/exchange", "y".repeat(65_535));
        assertThat(longest.statusCode()).isEqualTo(200);
        assertThat(longest.body()).contains("\"reply\":\"" + "Y".repeat(65_535) + "\"");
    }

    @Test
    void aLoadRunOnTheFramesClientGetsEveryReply() throws Exception {
        HttpResponse<String> started = http.post("/api/clients/frames/load?messages=5000&concurrency=8");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> DemoHttp.flag(http.get(location).body(), "done"));
        String done = http.get(location).body();
        assertThat(done).contains("\"client\":\"frames\"");
        assertThat(DemoHttp.number(done, "replied")).as(done).isEqualTo(5000);
        assertThat(DemoHttp.number(done, "failed")).as(done).isZero();
        assertThat(DemoHttp.number(done, "notSent")).as(done).isZero();
        assertThat(DemoHttp.flag(done, "cancelled")).as(done).isFalse();
    }

    @Test
    void theClientsJsonAndTheDashboardShowEachClientsFraming() throws Exception {
        String json = http.get("/api/clients").body();
        assertThat(json).contains("\"name\":\"echo\"").contains("\"framing\":\"Framing.line(CRLF, 65536)\"")
                .contains("\"name\":\"frames\"").contains("\"framing\":\"Framing.lengthField(2, 65535)\"");
        assertThat(http.get("/api/clients/frames").body()).contains("\"framing\":\"Framing.lengthField(2, 65535)\"");
        assertThat(http.get("/").body()).contains("<th>framing</th>");
        assertThat(http.get("/app.js").body()).contains("c.framing");
        assertThat(http.get("/api/stats").body()).contains("\"frames\":{");
    }
}
