package io.github.bufferevent.bench;

import io.github.bufferevent.bench.jmh.EchoPathBenchmark;
import io.github.bufferevent.bench.jmh.InstrumentationCostBenchmark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole comparison: one C epoll server process (echo and discard ports) for every client,
 * each client run in its own process with the same command-line contract (Java clients with the
 * same JVM flags), repetitions interleaved, medians and spread reported, plus JMH's allocation
 * profile of the echo path. Writes {@code RESULTS.md} and a bar chart of the ratios.
 */
public final class Harness {

    static final String OURS = "bufferevent";
    static final String METRICS = "bufferevent-metrics";
    static final String NIO = "netty-nio";
    static final String EPOLL = "netty-epoll";
    static final String LIBEVENT = "libevent";
    static final List<String> JVM_FLAGS = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC");

    private final Path nativeDir;
    private final int repeats;
    private final double warmup;
    private final double measure;
    private final int idleCount;
    private final String serverCpu;
    private final String clientCpu;
    private final Path out;
    private final Path chart;
    private int echoPort;
    private int discardPort;
    /** Echo port of a second server pinned to the clients' core, for the shared-core ping-pong. */
    private int sharedEchoPort;
    /** workload -> client -> runs (each a map of the RESULT's numbers). */
    private final Map<String, Map<String, List<Map<String, Double>>>> results = new LinkedHashMap<>();

    private Harness(Map<String, String> a) {
        nativeDir = Path.of(a.getOrDefault("native", "benchmarks/native/build"));
        repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        warmup = Double.parseDouble(a.getOrDefault("warmup", "1.5"));
        measure = Double.parseDouble(a.getOrDefault("measure", "3"));
        idleCount = Integer.parseInt(a.getOrDefault("idle", "5000"));
        serverCpu = a.getOrDefault("server-cpu", "1");
        clientCpu = a.getOrDefault("client-cpu", "0");
        out = Path.of(a.getOrDefault("out", "benchmarks/RESULTS.md"));
        chart = Path.of(a.getOrDefault("chart", "benchmarks/results.png"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = HarnessArgs.parse(args);
        new Harness(a).run(String.join(" ", args));
    }

    private void run(String argLine) throws Exception {
        long start = System.nanoTime();
        Process server = startServer(serverCpu);
        Process shared = null;
        if (!clientCpu.equals("none") && !clientCpu.equals(serverCpu)) {
            int e = echoPort;
            int d = discardPort;
            shared = startServer(clientCpu);
            sharedEchoPort = echoPort;
            echoPort = e;
            discardPort = d;
        }
        try {
            String w = fmt(warmup);
            String m = fmt(measure);
            List<String> echoClients = List.of(OURS, METRICS, NIO, EPOLL, LIBEVENT);
            List<String> all = List.of(OURS, NIO, EPOLL, LIBEVENT);
            for (int rep = 1; rep <= repeats; rep++) {
                System.out.printf("== repetition %d/%d%n", rep, repeats);
                for (String c : echoClients) {
                    record("pingpong-1", c, runClient(c, "pingpong", echoPort, "1", "64", w, m));
                }
                if (shared != null) {
                    for (String c : echoClients) {
                        record("pingpong-1-shared-core", c, runClient(c, "pingpong", sharedEchoPort, "1", "64", w, m));
                    }
                }
                for (String c : echoClients) {
                    record("pingpong-100", c, runClient(c, "pingpong", echoPort, "100", "64", w, m));
                }
                for (String c : all) {
                    record("stream", c, runClient(c, "stream", discardPort, "16384", w, m));
                }
                for (String c : all) {
                    record("connect", c, runClient(c, "connect", echoPort, w, m));
                }
                for (String c : List.of(OURS, NIO, EPOLL)) {
                    record("idle", c, runClient(c, "idle", echoPort, String.valueOf(idleCount)));
                }
            }
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
            if (shared != null) {
                shared.destroy();
                shared.waitFor(5, TimeUnit.SECONDS);
            }
        }
        Map<String, Double> alloc = runJmh();
        double minutes = (System.nanoTime() - start) / 60e9;
        String report = new ResultsReport(results, alloc, machine(), argLine, repeats, warmup, measure, idleCount, serverCpu, clientCpu,
                minutes).markdown(chart.getFileName().toString());
        Files.writeString(out, TlsSection.carryOver(Files.exists(out) ? Files.readString(out) : "", report));
        BarChart.write(chart, ResultsReport.ratios(results));
        System.out.println(report);
        System.out.printf("wrote %s and %s in %.1f minutes%n", out, chart, minutes);
    }

    private Process startServer(String cpu) throws IOException {
        Process p = new ProcessBuilder(taskset(cpu, nativeDir.resolve("bench_server").toString(), "0", "0"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int[] ports = awaitReady(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)), "bench_server");
        echoPort = ports[0];
        discardPort = ports[1];
        System.out.printf("server: echo %d, discard %d, pinned to CPU %s%n", echoPort, discardPort, cpu);
        return p;
    }

    private Map<String, Double> runClient(String client, String mode, int port, String... rest) throws Exception {
        List<String> cmd = client.equals(LIBEVENT) ? new ArrayList<>(List.of(nativeDir.resolve("libevent_client").toString()))
                : javaClient(client);
        cmd.add(mode);
        cmd.add(String.valueOf(port));
        cmd.addAll(Arrays.asList(rest));
        String result = runForResult(clientCpu, cmd, client, mode);
        Map<String, Double> values = parse(result);
        System.out.printf("  %-20s %-9s %s%n", client, mode, result);
        return values;
    }

    /**
     * Reads a server's first line, {@code READY <echo_port> <discard_port>}, from {@code stdout}:
     * the two ports. Kills the process and fails if it says anything else.
     */
    static int[] awaitReady(Process server, BufferedReader stdout, String name) throws IOException {
        String line = stdout.readLine();
        if (line == null || !line.startsWith("READY ")) {
            server.destroyForcibly();
            throw new IllegalStateException(name + " did not start: " + line);
        }
        String[] parts = line.split(" ");
        return new int[] {Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    /** The command line of a Java client run: {@link ClientMain} for {@code client} in its own JVM with {@link #JVM_FLAGS}. */
    static List<String> javaClient(String client) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ClientMain.class.getName());
        cmd.add(client);
        return cmd;
    }

    /**
     * Runs a client's {@code command} pinned to {@code cpu} and returns its (last) {@code RESULT}
     * line's JSON; fails when it does not exit 0 within 120 s or prints no result.
     */
    static String runForResult(String cpu, List<String> command, String client, String mode) throws Exception {
        Process p = new ProcessBuilder(taskset(cpu, command.toArray(new String[0]))).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    result = line.substring(7);
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0 || result == null) {
            p.destroyForcibly();
            throw new IllegalStateException(client + " " + mode + " failed (exit " + (p.isAlive() ? "?" : p.exitValue()) + ")");
        }
        return result;
    }

    static Map<String, Double> parse(String json) {
        Map<String, Double> values = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"(\\w+)\":(-?[0-9.eE+]+)").matcher(json);
        while (m.find()) {
            values.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return values;
    }

    private void record(String workload, String client, Map<String, Double> values) {
        results.computeIfAbsent(workload, k -> new LinkedHashMap<>()).computeIfAbsent(client, k -> new ArrayList<>()).add(values);
    }

    static List<String> taskset(String cpu, String... command) {
        List<String> cmd = new ArrayList<>();
        if (!cpu.isEmpty() && !cpu.equals("none") && Files.isExecutable(Path.of("/usr/bin/taskset"))) {
            cmd.add("/usr/bin/taskset");
            cmd.add("-c");
            cmd.add(cpu);
        }
        cmd.addAll(Arrays.asList(command));
        return cmd;
    }

    /** JMH with the GC profiler on the echo path: bytes allocated per round trip, without and with metrics. */
    private Map<String, Double> runJmh() throws Exception {
        Options opts = new OptionsBuilder().include(EchoPathBenchmark.class.getName() + ".roundTrip").addProfiler("gc")
                .forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(2)).measurementIterations(5)
                .measurementTime(TimeValue.seconds(2)).jvmArgs(JVM_FLAGS.toArray(new String[0])).build();
        Map<String, Double> alloc = new LinkedHashMap<>();
        for (RunResult r : new Runner(opts).run()) {
            String metrics = r.getParams().getParam("metrics");
            alloc.put("metrics=" + metrics + " B/op", r.getSecondaryResults().get("gc.alloc.rate.norm").getScore());
            alloc.put("metrics=" + metrics + " us/op", r.getPrimaryResult().getScore());
        }
        Options cost = new OptionsBuilder().include(InstrumentationCostBenchmark.class.getName() + ".oneRoundTrip").forks(1)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .jvmArgs(JVM_FLAGS.toArray(new String[0])).build();
        for (RunResult r : new Runner(cost).run()) {
            alloc.put("instrumentation metrics=" + r.getParams().getParam("metrics") + " ns/round trip", r.getPrimaryResult().getScore());
        }
        return alloc;
    }

    static String machine() {
        StringBuilder sb = new StringBuilder();
        try {
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
            sb.append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(cpu);
        } catch (IOException e) {
            sb.append(Runtime.getRuntime().availableProcessors()).append(" cores");
        }
        sb.append("; ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"));
        sb.append("; Java ").append(System.getProperty("java.runtime.version")).append(" (").append(System.getProperty("java.vm.name")).append(')');
        sb.append("; ").append(LocalDate.now());
        return sb.toString();
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%s", d);
    }
}
