package io.github.bufferevent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ResultsReport} and {@link TlsReport} write, for fixed runs, exactly the text in
 * {@code src/test/resources/reports/} (made by the report writers before their table code was
 * shared): RESULTS.md keeps its format when the writers change inside.
 */
class ReportFormatTest {

    private static final Path GOLDEN = Path.of("src/test/resources/reports");

    @Test
    void resultsReportIsUnchanged() throws IOException {
        Map<String, Map<String, List<Map<String, Double>>>> results = new LinkedHashMap<>();
        Random random = new Random(1);
        List<String> clients = List.of(Harness.OURS, Harness.METRICS, Harness.NIO, Harness.EPOLL, Harness.LIBEVENT);
        for (String w : List.of("pingpong-1", "pingpong-1-shared-core", "pingpong-100")) {
            for (String c : clients) {
                for (int i = 0; i < 3; i++) {
                    add(results, w, c, Map.of("roundTrips", 1e6 * random.nextDouble(), "seconds", 5.0, "perSec", 30_000 + 20_000 * random.nextDouble(),
                            "p50us", 20 + 10 * random.nextDouble(), "p99us", 40 + 30 * random.nextDouble()));
                }
            }
        }
        for (String c : clients) {
            for (int i = 0; i < 3; i++) {
                add(results, "stream", c, Map.of("mbPerSec", 1000 + 2000 * random.nextDouble()));
                add(results, "connect", c, Map.of("perSec", 5000 + 5000 * random.nextDouble()));
            }
        }
        for (String c : List.of(Harness.OURS, Harness.NIO, Harness.EPOLL)) {
            for (int i = 0; i < 2; i++) { // an even count: the median of the middle two
                add(results, "idle", c, Map.of("heapBytesPerConnection", 1000 + 2000 * random.nextDouble()));
            }
        }
        Map<String, Double> alloc = new LinkedHashMap<>();
        alloc.put("metrics=false B/op", 0.012);
        alloc.put("metrics=false us/op", 11.25);
        alloc.put("metrics=true B/op", 0.034);
        alloc.put("metrics=true us/op", 11.5);
        alloc.put("instrumentation metrics=false ns/round trip", 3.21);
        alloc.put("instrumentation metrics=true ns/round trip", 95.4);

        String markdown = new ResultsReport(results, alloc, "2 cores, Test CPU; Linux 6.1; Java 21 (VM); 2026-12-03", "--repeats=3", 3, 2.0,
                5.0, 10000, "1", "0", 12.34).markdown("results.png");

        assertMatchesGolden("results.md", markdown);
    }

    @Test
    void tlsReportIsUnchanged() throws IOException {
        Map<String, Map<String, List<Map<String, Double>>>> results = new LinkedHashMap<>();
        Random random = new Random(2);
        for (int i = 0; i < 3; i++) {
            for (String c : List.of(Harness.OURS, Harness.NIO)) {
                add(results, "tls-stream", c, withCpu("tls-stream", Map.of("bytes", 3e8 + 1e8 * random.nextDouble(), "seconds", 3.0,
                        "mbPerSec", 100 + 200 * random.nextDouble(), "cpuSeconds", 1 + 2 * random.nextDouble())));
                for (String w : List.of("tls-pingpong", "tls-pingpong-shared-core")) {
                    add(results, w, c, withCpu(w, Map.of("roundTrips", 5e4 + 1e4 * random.nextDouble(), "seconds", 3.0,
                            "perSec", 15_000 + 5_000 * random.nextDouble(), "p50us", 40 + 20 * random.nextDouble(),
                            "p99us", 90 + 50 * random.nextDouble(), "cpuSeconds", 1 + 2 * random.nextDouble())));
                }
            }
            for (String c : List.of(Harness.OURS, Harness.NIO, TlsHarness.INLINE_TASKS)) {
                Map<String, Double> values = Map.of("handshakes", 150 + 100 * random.nextDouble(), "seconds", 3.0,
                        "perSec", 50 + 30 * random.nextDouble(), "cpuSeconds", 1 + 2 * random.nextDouble());
                // the inline-tasks client without its CPU time: the CPU cells show dashes
                add(results, "tls-handshake", c, c.equals(TlsHarness.INLINE_TASKS) ? new LinkedHashMap<>(values) : withCpu("tls-handshake", values));
            }
        }

        String markdown = new TlsReport(results, "2 cores, Test CPU; load average 1.0 2.0 3.0", "--repeats=3", 3, 6.0, 4.0, 3.0, "1",
                "0", "handshakes=100 resumed=0 group=X25519 openssl=3.0.19", 4.44).markdown();

        assertMatchesGolden("tls.md", markdown);
    }

    private static Map<String, Double> withCpu(String workload, Map<String, Double> values) {
        Map<String, Double> v = new LinkedHashMap<>(values);
        TlsHarness.addCpuFigures(workload, v);
        return v;
    }

    private static void add(Map<String, Map<String, List<Map<String, Double>>>> results, String workload, String client,
            Map<String, Double> values) {
        results.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(client, k -> new ArrayList<>())
                .add(new LinkedHashMap<>(values));
    }

    private static void assertMatchesGolden(String name, String actual) throws IOException {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("reports.writeGolden")) {
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }
}
