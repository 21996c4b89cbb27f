package io.github.bufferevent.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the TLS comparison ({@code benchmarks/tls.sh}): one OpenSSL epoll server process
 * ({@code tls_server}: TLS echo and discard ports) pinned to one CPU, and each client run in its own
 * JVM pinned to the other, this project's against Netty's {@code SslHandler}, both on the JDK
 * provider with the same protocol and cipher suite. Repetitions interleave the two clients (and
 * alternate which goes first). Writes the TLS section of {@code RESULTS.md}, leaving the rest of
 * the file as {@code run.sh} wrote it. Main thread only.
 */
public final class TlsHarness {

    static final List<String> CLIENTS = List.of(Harness.OURS, Harness.NIO);
    /** Ours with the delegated tasks on the loop thread, as Netty runs them: handshakes only, for reference. */
    static final String INLINE_TASKS = "bufferevent-inline-tasks";

    private final Path nativeDir;
    private final Path cert;
    private final Path key;
    private final int repeats;
    private final double warmup;
    private final double measure;
    private final double handshakeWarmup;
    private final String serverCpu;
    private final String clientCpu;
    private final Path out;
    /** workload -> client -> runs (each a map of the RESULT's numbers). */
    private final Map<String, Map<String, List<Map<String, Double>>>> results = new LinkedHashMap<>();

    private TlsHarness(Map<String, String> a) {
        nativeDir = Path.of(a.getOrDefault("native", "benchmarks/native/build"));
        cert = Path.of(a.getOrDefault("cert", nativeDir.resolve("tls_cert.pem").toString()));
        key = Path.of(a.getOrDefault("key", nativeDir.resolve("tls_key.pem").toString()));
        repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        // The JIT compiles the JDK's TLS and crypto code for seconds: after a 2 s warm-up its threads still took most
        // of the client's pinned CPU in the measured window (process CPU 0.6-0.9 s/s where it settles at 0.2-0.4).
        warmup = Double.parseDouble(a.getOrDefault("warmup", "6"));
        measure = Double.parseDouble(a.getOrDefault("measure", "3"));
        handshakeWarmup = Double.parseDouble(a.getOrDefault("handshake-warmup", a.getOrDefault("warmup", "6")));
        serverCpu = a.getOrDefault("server-cpu", "1");
        clientCpu = a.getOrDefault("client-cpu", "0");
        out = Path.of(a.getOrDefault("out", "benchmarks/RESULTS.md"));
    }

    public static void main(String[] args) throws Exception {
        new TlsHarness(HarnessArgs.parse(args)).run(String.join(" ", args));
    }

    private void run(String argLine) throws Exception {
        long start = System.nanoTime();
        String loadBefore = procLine("/proc/loadavg");
        String stats;
        TlsServerProcess server = new TlsServerProcess(nativeDir, cert, key, serverCpu);
        // A second server on the clients' CPU: a ping-pong there shows what a message costs, not the cross-core wake-up.
        boolean sharedCore = !clientCpu.equals("none") && !clientCpu.equals(serverCpu);
        TlsServerProcess shared = sharedCore ? new TlsServerProcess(nativeDir, cert, key, clientCpu) : null;
        try {
            String w = Harness.fmt(warmup);
            String hw = Harness.fmt(handshakeWarmup);
            String m = Harness.fmt(measure);
            String c = cert.toString();
            for (int rep = 1; rep <= repeats; rep++) {
                System.out.printf("== repetition %d/%d%n", rep, repeats);
                List<String> order = rep % 2 == 1 ? CLIENTS : List.of(CLIENTS.get(1), CLIENTS.get(0));
                for (String client : order) {
                    record("tls-stream", client, runClient(client, "tls-stream", server.discardPort(), c, "16384", w, m));
                }
                for (String client : order) {
                    record("tls-pingpong", client, runClient(client, "tls-pingpong", server.echoPort(), c, "64", w, m));
                }
                if (shared != null) {
                    for (String client : order) {
                        record("tls-pingpong-shared-core", client, runClient(client, "tls-pingpong", shared.echoPort(), c, "64", w, m));
                    }
                }
                for (String client : order) {
                    record("tls-handshake", client, runClient(client, "tls-handshake", server.echoPort(), c, hw, m));
                }
                record("tls-handshake", INLINE_TASKS, runClient(INLINE_TASKS, "tls-handshake", server.echoPort(), c, hw, m));
            }
        } finally {
            stats = server.stop();
            server.close();
            if (shared != null) {
                shared.stop();
                shared.close();
            }
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        String conditions = String.format("load average (1/5/15 min) %s at the start, %s at the end; scheduling: %s",
                firstFields(loadBefore, 3), firstFields(procLine("/proc/loadavg"), 3), procLine("/proc/self/autogroup"));
        String section = new TlsReport(results, Harness.machine() + "; " + conditions, argLine, repeats, warmup, handshakeWarmup, measure, serverCpu,
                clientCpu, stats, minutes).markdown();
        String doc = Files.exists(out) ? Files.readString(out) : "";
        Files.writeString(out, TlsSection.replace(doc, section));
        System.out.println(section);
        System.out.printf("wrote the TLS section of %s in %.1f minutes%n", out, minutes);
    }

    /**
     * Adds {@code perCpuSecond} (work done per second of the client's CPU time: MB, round trips or
     * handshakes) and {@code cpuPerSecond} (CPU seconds the client got per second of the window).
     */
    static void addCpuFigures(String workload, Map<String, Double> values) {
        Double cpu = values.get("cpuSeconds");
        Double seconds = values.get("seconds");
        if (cpu == null || seconds == null || cpu <= 0) {
            return;
        }
        double work = switch (workload) {
            case "tls-stream" -> values.getOrDefault("bytes", Double.NaN) / 1e6;
            case "tls-pingpong", "tls-pingpong-shared-core" -> values.getOrDefault("roundTrips", Double.NaN);
            default -> values.getOrDefault("handshakes", Double.NaN);
        };
        values.put("perCpuSecond", work / cpu);
        values.put("cpuPerSecond", cpu / seconds);
    }

    /** The first line of a /proc file, or "?" where there is none. */
    private static String procLine(String path) {
        try {
            return Files.readAllLines(Path.of(path)).stream().findFirst().orElse("?").trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String firstFields(String line, int n) {
        String[] f = line.split("\\s+");
        return String.join(" ", java.util.Arrays.copyOf(f, Math.min(n, f.length)));
    }

    private Map<String, Double> runClient(String client, String mode, int port, String... rest) throws Exception {
        List<String> cmd = Harness.javaClient(client);
        cmd.add(mode);
        cmd.add(String.valueOf(port));
        cmd.addAll(List.of(rest));
        String result = Harness.runForResult(clientCpu, cmd, client, mode);
        System.out.printf("  %-12s %-14s %s%n", client, mode, result);
        return Harness.parse(result);
    }

    private void record(String workload, String client, Map<String, Double> values) {
        addCpuFigures(workload, values);
        results.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(client, k -> new ArrayList<>()).add(values);
    }
}
