package io.github.bufferevent.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.EventBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The RESP framing of the tests against a real {@code redis-server}, which
 * {@code benchmarks/redis-resp.sh} installs, starts on a loopback port and passes as
 * {@code -Dredis.port}. Tagged "redis" and excluded from the default build (a plain machine has
 * no Redis); the script runs it, and it fails, never skips, when the port is missing.
 */
@Tag("redis")
@Timeout(60)
class RespAgainstRedisTest {

    private final EventBase base = EventBase.builder().threadName("redis-test-loop").daemon(true).build().start();
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private BufferEventClient redis;

    @BeforeEach
    void connect() {
        String port = System.getProperty("redis.port");
        assertThat(port).as("-Dredis.port (benchmarks/redis-resp.sh starts a redis-server and sets it)").isNotBlank();
        redis = BufferEventClient.builder(base, "redis").address("127.0.0.1", Integer.parseInt(port))
                .framing(new RespFraming(16 << 20)).poolSize(2).build();
        redis.connect();
        assertThat(redis.awaitConnected(Duration.ofSeconds(10))).isTrue();
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        redis.close();
        base.close();
    }

    private String call(String command) throws Exception {
        return redis.exchange(command).get(10, SECONDS);
    }

    @Test
    void commandsGetTheirOwnReplies() throws Exception {
        call("DEL counter greeting list");
        assertThat(call("PING")).isEqualTo("+PONG\r\n");
        assertThat(call("SET greeting hello")).isEqualTo("+OK\r\n");
        assertThat(call("GET greeting")).isEqualTo("$5\r\nhello\r\n");
        assertThat(call("GET missing-key")).isEqualTo("$-1\r\n");
        assertThat(call("RPUSH list a b c")).isEqualTo(":3\r\n");
        assertThat(call("LRANGE list 0 -1")).isEqualTo("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
        assertThat(call("NOSUCHCOMMAND")).startsWith("-ERR unknown command");
    }

    @Test
    void pipelinedIncrementsFromFourThreadsAllCount() throws Exception {
        call("DEL counter");
        List<Future<List<CompletableFuture<String>>>> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(pool.submit(() -> {
                List<CompletableFuture<String>> replies = new ArrayList<>();
                for (int i = 0; i < 2500; i++) {
                    replies.add(redis.exchange("INCR counter"));
                }
                return replies;
            }));
        }
        for (Future<List<CompletableFuture<String>>> t : threads) {
            for (CompletableFuture<String> r : t.get(30, SECONDS)) {
                assertThat(r.get(30, SECONDS)).startsWith(":");
            }
        }
        assertThat(call("GET counter")).isEqualTo("$5\r\n10000\r\n");
    }

    @Test
    void aLargeValueComesBackWholeAcrossManyReads() throws Exception {
        String big = "v".repeat(300_000);
        assertThat(call("SET big " + big)).isEqualTo("+OK\r\n");
        byte[] reply = redis.exchange("GET big".getBytes(StandardCharsets.UTF_8)).get(10, SECONDS);
        assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("$300000\r\n" + big + "\r\n");
    }
}
