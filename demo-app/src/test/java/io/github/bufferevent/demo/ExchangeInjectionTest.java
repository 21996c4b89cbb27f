package io.github.bufferevent.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.bufferevent.autoconfigure.BufferEventClients;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;

/**
 * Defect 7: a request body carrying its own line end became two lines with one waiter, and every
 * later caller got the previous caller's reply. Such a body is refused now (400, by the echo
 * client's line framing), so each caller gets its own echo while an attacker keeps trying.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@Timeout(60)
class ExchangeInjectionTest {

    private static final String EXCHANGE = "/api/clients/echo/exchange";

    @Autowired
    Environment environment;

    @Autowired
    BufferEventClients clients;

    private DemoHttp http;
    private ExecutorService threads;
    private ScheduledExecutorService attackerThread;

    @BeforeEach
    void setUp() {
        http = new DemoHttp(environment);
        threads = Executors.newFixedThreadPool(3);
        attackerThread = Executors.newSingleThreadScheduledExecutor();
        assertThat(clients.get("echo").awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        threads.shutdownNow();
        attackerThread.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(attackerThread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aBodyWithItsOwnLineEndIsRefusedWithAProblemDetail() throws Exception {
        for (String evil : new String[] {"evil\r\nINJECTED-LINE", "lone\nLF", "lone\rCR", "two\r\n\r\n", "trailing CR\r"}) {
            HttpResponse<String> r = http.postText(EXCHANGE, evil);
            assertThat(r.statusCode()).as(evil).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).as(evil).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
            assertThat(r.body()).as(evil).contains("line end");
        }
        // NUL is no line end of CRLF line framing (the echo client's): it travels inside the one
        // line and comes back to its own caller, so it can hand nobody a wrong reply. (The demo's
        // own line code refused it too, for NUL-delimited servers; a client for one sets
        // framing.eol=NUL, and then its framing refuses a NUL inside a request.)
        HttpResponse<String> nul = http.postText(EXCHANGE, "nul\0byte");
        assertThat(nul.statusCode()).isEqualTo(200);
        assertThat(nul.body()).contains("\"reply\":\"nul\\u0000byte\"");
        // One line end at the very end is the line's own terminator, not an injection.
        assertThat(http.postText(EXCHANGE, "one line\r\n").body()).contains("\"reply\":\"one line\"");
        assertThat(http.postText(EXCHANGE, "lf line\n").body()).contains("\"reply\":\"lf line\"");
        assertThat(http.postText(EXCHANGE, "after the attack").body()).contains("\"reply\":\"after the attack\"");
    }

    @Test
    void everyCallerGetsItsOwnReplyWhileAnAttackerInjectsLines() throws Exception {
        AtomicInteger attacks = new AtomicInteger();
        ConcurrentLinkedQueue<String> attackAnswers = new ConcurrentLinkedQueue<>();
        // The attacker: the exact body of the report, every 50 ms until the callers are through.
        ScheduledFuture<?> attacker = attackerThread.scheduleWithFixedDelay(() -> {
            try {
                HttpResponse<String> r = http.postText(EXCHANGE, "evil\r\nINJECTED-LINE");
                attackAnswers.add(r.statusCode() + " " + r.body());
            } catch (Exception e) {
                attackAnswers.add("failed: " + e);
            }
            attacks.incrementAndGet();
        }, 0, 50, TimeUnit.MILLISECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> attacks.get() >= 1);

        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Future<?>> callers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int caller = t;
            callers.add(threads.submit(() -> {
                // At least 40 requests each, and on until the attacker has struck 10 times among them.
                for (int i = 0; i < 40 || attacks.get() < 10 && i < 20_000; i++) {
                    String body = "caller-" + caller + "-request-" + i;
                    HttpResponse<String> r = http.postText(EXCHANGE, body);
                    if (r.statusCode() != 200 || !r.body().contains("\"reply\":\"" + body + "\"")) {
                        wrong.add(body + " -> " + r.statusCode() + " " + r.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> c : callers) {
            c.get(30, TimeUnit.SECONDS);
        }
        attacker.cancel(false);

        assertThat(attacks.get()).as("the attacker ran during the callers").isGreaterThanOrEqualTo(10);
        assertThat(wrong.size()).as("callers who did not get their own echo, e.g. %s", wrong.stream().limit(3).toList()).isZero();
        assertThat(attackAnswers).allSatisfy(a -> assertThat(a).startsWith("400 ").contains("line end"));
    }
}
