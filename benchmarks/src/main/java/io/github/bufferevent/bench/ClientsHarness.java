package io.github.bufferevent.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Pipelined line request/reply against the C echo server: this project's {@code BufferEventClient}
 * against Spring Integration's {@code TcpOutboundGateway} and Reactor Netty's {@code TcpClient}, for
 * 1 and 16 calling threads times 1 and 4 connections. One server process (pinned to
 * {@code --server-cpu}) for every run; each run its own JVM pinned to {@code --client-cpu};
 * repetitions interleave the clients. Writes {@code CLIENTS.md}. Run by {@code benchmarks/clients.sh}.
 */
public final class ClientsHarness {

    static final String OURS = "bufferevent";
    static final String SPRING = "spring-integration";
    static final String REACTOR = "reactor-netty";
    /** Reference: Reactor Netty on Netty's NIO transport (the JDK selector, as ours); no target is judged against it. */
    static final String REACTOR_NIO = "reactor-netty-nio";
    static final List<String> CLIENTS = List.of(OURS, SPRING, REACTOR, REACTOR_NIO);
    /** Requests each calling thread keeps in flight in the pipelined scenarios. */
    static final int WINDOW = 16;
    /** threads x connections x requests in flight per thread (1: closed loop, one blocking call at a time). */
    static final int[][] SCENARIOS = {{1, 1, 1}, {1, 4, 1}, {16, 1, 1}, {16, 4, 1}, {1, 1, WINDOW}, {1, 4, WINDOW}};
    /** Where the generated tables end and the hand-written analysis (kept across reruns) begins. */
    static final String ANALYSIS = "<!-- analysis: written by hand, kept when clients.sh rewrites the tables above -->";

    private final Path nativeDir;
    private final int repeats;
    private final double warmup;
    private final double settle;
    private final double measure;
    private final double phaseWarmup;
    private final double phaseMeasure;
    private final int size;
    private final String serverCpu;
    private final String clientCpu;
    private final Path out;
    private final String argLine;
    /** scenario -> client -> runs. */
    private final Map<String, Map<String, List<Map<String, Double>>>> results = new LinkedHashMap<>();
    private final double stealLimit;
    private final double budgetMinutes;
    private int clientRuns;
    private long clientRunNanos;
    /** Client runs that were repeated because of steal, for the report. */
    private final List<String> repeated = new ArrayList<>();
    /** client -> phase probe runs (1 thread x 1 connection). */
    private final Map<String, List<Map<String, Double>>> phases = new LinkedHashMap<>();

    private ClientsHarness(Map<String, String> a, String argLine) {
        nativeDir = Path.of(a.getOrDefault("native", "benchmarks/native/build"));
        repeats = Integer.parseInt(a.getOrDefault("repeats", "3"));
        warmup = Double.parseDouble(a.getOrDefault("warmup", "3"));
        settle = Double.parseDouble(a.getOrDefault("settle", "1"));
        measure = Double.parseDouble(a.getOrDefault("measure", "3"));
        phaseWarmup = Double.parseDouble(a.getOrDefault("phase-warmup", "4"));
        phaseMeasure = Double.parseDouble(a.getOrDefault("phase-measure", "2"));
        stealLimit = Double.parseDouble(a.getOrDefault("steal-limit", "10"));
        budgetMinutes = Double.parseDouble(a.getOrDefault("budget-minutes", "12"));
        size = Integer.parseInt(a.getOrDefault("size", "64"));
        serverCpu = a.getOrDefault("server-cpu", "1");
        clientCpu = a.getOrDefault("client-cpu", "0");
        out = Path.of(a.getOrDefault("out", "benchmarks/CLIENTS.md"));
        this.argLine = argLine;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = HarnessArgs.parse(args);
        new ClientsHarness(a, String.join(" ", args)).run();
    }

    /** The report's name of a scenario. */
    static String scenario(int[] sc) {
        return sc[0] + (sc[0] == 1 ? " thread" : " threads") + " x " + sc[1] + (sc[1] == 1 ? " connection" : " connections")
                + (sc[2] == 1 ? "" : ", pipelined (" + sc[2] + " in flight)");
    }

    /** The scenario as {@link RequestReplyMain} takes it: {@code THREADSxCONNECTIONS[wWINDOW]}. */
    static String key(int[] sc) {
        return sc[0] + "x" + sc[1] + (sc[2] == 1 ? "" : "w" + sc[2]);
    }

    private void run() throws Exception {
        long start = System.nanoTime();
        Process server = new ProcessBuilder(Harness.taskset(serverCpu, nativeDir.resolve("bench_server").toString(), "0", "0"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int port;
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (line == null || !line.startsWith("READY ")) {
                throw new IllegalStateException("bench_server did not start: " + line);
            }
            port = Integer.parseInt(line.split(" ")[1]);
            System.out.printf("server: echo port %d, pid %d, pinned to CPU %s%n", port, server.pid(), serverCpu);
            for (int[] sc : SCENARIOS) {
                for (String c : CLIENTS) {
                    results.computeIfAbsent(scenario(sc), k -> new LinkedHashMap<>()).put(c, new ArrayList<>());
                }
            }
            for (int rep = 1; rep <= repeats; rep++) {
                System.out.printf("== repetition %d/%d%n", rep, repeats);
                // One JVM per client and repetition runs every scenario (after warming all of them up);
                // the scenario order rotates between repetitions, the client order within one.
                List<String> order = new ArrayList<>();
                for (int i = 0; i < SCENARIOS.length; i++) {
                    order.add(key(SCENARIOS[(i + rep - 1) % SCENARIOS.length]));
                }
                for (int i = 0; i < CLIENTS.size(); i++) {
                    String c = CLIENTS.get((i + rep - 1) % CLIENTS.size());
                    long runStart = System.nanoTime();
                    Map<String, Map<String, Double>> byScenario = runClient(c, port, server.pid(), String.join(",", order));
                    long runNanos = System.nanoTime() - runStart;
                    clientRuns++;
                    clientRunNanos += runNanos;
                    int runsLeft = (repeats - rep) * CLIENTS.size() + (CLIENTS.size() - 1 - i);
                    double maxSteal = maxSteal(byScenario);
                    // This VM's hypervisor at times takes a third of the client's core (steal): such a run
                    // measures the neighbours, not the client. Repeat it once, for every client alike, and
                    // keep the less disturbed of the two, while the whole run stays within its time budget.
                    if (maxSteal > stealLimit && elapsedMinutes(start) + (runsLeft + 1) * (clientRunNanos / clientRuns) / 60e9
                            + phaseRunsMinutes() < budgetMinutes) {
                        System.out.printf("  (steal %.0f%% of a core during a %s scenario: repeating this run once)%n", maxSteal, c);
                        Map<String, Map<String, Double>> again = runClient(c, port, server.pid(), String.join(",", order));
                        repeated.add(c + " (repetition " + rep + ", steal " + Math.round(maxSteal) + "% → " + Math.round(maxSteal(again)) + "%)");
                        if (maxSteal(again) < maxSteal) {
                            byScenario = again;
                        }
                    }
                    for (int[] sc : SCENARIOS) {
                        results.computeIfAbsent(scenario(sc), k -> new LinkedHashMap<>()).computeIfAbsent(c, k -> new ArrayList<>())
                                .add(byScenario.get(key(sc)));
                    }
                }
            }
            for (int rep = 1; rep <= repeats; rep++) {
                System.out.printf("== phases %d/%d%n", rep, repeats);
                for (String c : List.of(OURS, REACTOR, REACTOR_NIO)) {
                    phases.computeIfAbsent(c, k -> new ArrayList<>()).add(Harness.parse(runJava(PhaseProbe.class.getName(), c + " phases",
                            List.of(c, String.valueOf(port), Harness.fmt(phaseWarmup), Harness.fmt(phaseMeasure))).get(0)));
                }
            }
        } finally {
            server.destroy();
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        String report = markdown(minutes);
        Files.writeString(out, report + keptAnalysis());
        System.out.println(report);
        System.out.printf("wrote %s in %.1f minutes%n", out, minutes);
    }

    private static double maxSteal(Map<String, Map<String, Double>> byScenario) {
        return byScenario.values().stream().mapToDouble(v -> v.getOrDefault("stealPercent", 0.0)).max().orElse(0);
    }

    private static double elapsedMinutes(long start) {
        return (System.nanoTime() - start) / 60e9;
    }

    /** What the phase probes after the repetitions will take: their runs, with a JVM start and stop each. */
    private double phaseRunsMinutes() {
        return repeats * 3 * (phaseWarmup + phaseMeasure + 2) / 60;
    }

    /** The hand-written part of the previous CLIENTS.md: everything from {@link #ANALYSIS} on survives a rerun. */
    private String keptAnalysis() throws IOException {
        if (!Files.exists(out)) {
            return "";
        }
        String old = Files.readString(out);
        int at = old.indexOf(ANALYSIS);
        return at < 0 ? "" : old.substring(at);
    }

    /** One client JVM through {@code scenarios}; its results by scenario ({@code THREADSxCONNECTIONS[wWINDOW]}). */
    private Map<String, Map<String, Double>> runClient(String client, int port, long serverPid, String scenarios) throws Exception {
        List<String> lines = runJava(RequestReplyMain.class.getName(), client, List.of(client, String.valueOf(port), String.valueOf(size),
                Harness.fmt(warmup), Harness.fmt(settle), Harness.fmt(measure), String.valueOf(serverPid), scenarios));
        Map<String, Map<String, Double>> byScenario = new LinkedHashMap<>();
        for (String line : lines) {
            byScenario.put(line.substring(0, line.indexOf(' ')), Harness.parse(line.substring(line.indexOf(' ') + 1)));
        }
        for (String sc : scenarios.split(",")) {
            if (!byScenario.containsKey(sc)) {
                throw new IllegalStateException(client + " gave no result for " + sc);
            }
        }
        return byScenario;
    }

    /** Runs {@code main} in its own JVM pinned to the clients' CPU; returns its RESULT lines (without the prefix). */
    private List<String> runJava(String main, String label, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Harness.JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(args);
        Process p = new ProcessBuilder(Harness.taskset(clientCpu, cmd.toArray(new String[0]))).redirectErrorStream(true).start();
        List<String> results = new ArrayList<>();
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    results.add(line.substring(7));
                    System.out.printf("  %-19s %s%n", label, line.substring(7));
                } else if (log.length() < 20_000) {
                    log.append("    | ").append(line).append('\n');
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0 || results.isEmpty()) {
            p.destroyForcibly();
            System.out.print(log);
            throw new IllegalStateException(label + " failed (exit " + (p.isAlive() ? "?" : p.exitValue()) + ")");
        }
        return results;
    }

    // ------------------------------------------------------------------ report

    private double med(String scenario, String client, String key) {
        return ResultsReport.median(results.get(scenario).get(client), key);
    }

    private static String spread(List<Map<String, Double>> runs, String key, String format) {
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", ResultsReport.median(runs, key),
                ResultsReport.min(runs, key), ResultsReport.max(runs, key));
    }

    String markdown(double minutes) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Request/reply clients: BufferEventClient vs Spring Integration vs Reactor Netty\n\n");
        sb.append("Generated by `benchmarks/clients.sh` (").append(String.format(Locale.ROOT, "%.1f", minutes)).append(" minutes). ")
                .append("Do not edit the tables by hand; rerun the script. The analysis after them is written by hand ")
                .append("and kept by reruns: its figures are from the run it names.\n\n");
        sb.append("- Machine: ").append(Harness.machine()).append('\n');
        sb.append("- Command: `benchmarks/clients.sh` (harness arguments: `").append(argLine.isEmpty() ? "defaults" : argLine).append("`)\n");
        sb.append("- Server: one C epoll echo process (`benchmarks/native/bench_server.c`) on 127.0.0.1 for every run, pinned to CPU ")
                .append(serverCpu).append(".\n");
        sb.append("- Clients: JVMs (`").append(String.join(" ", Harness.JVM_FLAGS)).append("`) pinned to CPU ")
                .append(clientCpu).append(": client and server **do not share a core**, but every thread of a client (callers, event loops, ")
                .append("JIT, GC) shares CPU ").append(clientCpu).append(".\n");
        sb.append(String.format(Locale.ROOT, "- Each figure is the median of %d runs (min–max in brackets). One JVM per client and "
                + "repetition: it first runs every scenario %s s unmeasured (the JIT shares the core, and Spring Integration needs "
                + "~10 s of it to reach its steady rate), then each scenario again on a new client, %s s unmeasured and %s s measured. "
                + "Repetitions interleave the clients (order rotated each time, and the scenario order too) so drift hits all of them "
                + "alike. Compare figures only within this file.%n", repeats, Harness.fmt(warmup), Harness.fmt(settle), Harness.fmt(measure)));
        sb.append(String.format(Locale.ROOT, "- A client run during which the hypervisor took more than %s%% of a core (steal) in any scenario "
                + "is repeated once and the less disturbed of the two kept (same rule for every client, while the whole run stays "
                + "under %s minutes). Repeated here: %s.%n", Harness.fmt(stealLimit), Harness.fmt(budgetMinutes),
                repeated.isEmpty() ? "none" : String.join("; ", repeated)));
        sb.append(String.format(Locale.ROOT, "- Load: closed loop, except where a scenario says pipelined. Each calling thread (a platform "
                + "thread, as a service's request thread) sends one %d-byte line (CR LF included; its thread and sequence number in it), "
                + "blocks until the reply, checks the reply is the echo of its request, records the latency and sends the next. "
                + "Pipelined: the thread keeps %d requests in flight without blocking (each its own asynchronous call; when one "
                + "completes, its reply is checked and its latency recorded, and the thread sends the next), as a batch job or a fan-out "
                + "would; latency is from the call to the completion. Same shape for every client; how the calls share the connections "
                + "is each library's own.%n", size, WINDOW));
        sb.append("- `bufferevent` = this project's `BufferEventClient` (core): one managed `EventBase` (one loop thread), ")
                .append("`Framing.line(CRLF, 1024)`, `poolSize` 1 or 4, pipelined (each exchange goes to the connected connection with the ")
                .append("fewest in flight; replies match requests in order), reply timeout 5 s; callers block on `exchange(bytes).get()`; pipelined, ")
                .append("they keep the `CompletableFuture`s of `exchange(bytes)`.\n");
        sb.append("- `spring-integration` = Spring Integration 7.0 (Boot 4.0.7 BOM): an application context with `@EnableIntegration`, ")
                .append("`IntegrationFlow.from(EchoGateway.class).handle(Tcp.outboundGateway(cf).remoteTimeout(5000))`, `cf` a ")
                .append("`TcpNioClientConnectionFactory` with `ByteArrayCrLfSerializer` both ways and TCP_NODELAY; for 4 connections a ")
                .append("`CachingClientConnectionFactory(cf, 4)` in front of it (the documented way to run concurrent requests). ")
                .append("The gateway does not pipeline: one request at a time per connection (on the shared connection a semaphore ")
                .append("serializes the callers). Callers block on the gateway interface's method. Pipelined, they call its ")
                .append("`CompletableFuture` method, which the gateway runs on its async executor: a fixed pool of one thread per ")
                .append("connection (what it can use; pools of 4, 16 and 64 threads were slower), the rest of the window queued.\n");
        sb.append("- `reactor-netty` = Reactor Netty 1.3 (Boot 4.0.7 BOM) on Netty 4.2.18.Final: `TcpClient.newConnection()` with ")
                .append("`LineBasedFrameDecoder` added on connect, 1 or 4 persistent connections used round-robin, default loop resources ")
                .append("(native epoll, `max(CPUs, 4)` = 4 event-loop threads); each request is a `Mono` whose sink is queued on its ")
                .append("connection and completed by that connection's inbound flux in order (pipelined, as ours); written with ")
                .append("`connection.outbound().sendObject(...)`; callers block on `mono.block(5 s)`; pipelined, they keep `mono.toFuture()` ")
                .append("(no per-request timeout operator, which would cost it a scheduled task per request).\n");
        sb.append("- `reactor-netty-nio` (reference, no target): the same Reactor Netty client with `-Dreactor.netty.native=false`, i.e. on ")
                .append("Netty's NIO transport, the JDK selector that ours uses too: it separates what the transport costs from what the ")
                .append("client layer costs.\n");
        sb.append("- `client CPU µs/req`: CPU time of the client JVM (all its threads) over the measured window, per request. ")
                .append("`server CPU`: the echo server's share of its core over the same window. A server well below 100% with the ")
                .append("client's core busy means the client side is the limit. `rest of machine`: busy CPU time of the whole machine ")
                .append("(both cores, /proc/stat) minus client and server, in % of one core: interrupt and softirq time not charged to ")
                .append("either process, plus anything else that ran (the machine is shared; a high figure marks a disturbed run). ")
                .append("`steal`: time the hypervisor gave to other guests, same unit. Both are medians of the runs.\n\n");

        for (int[] s : SCENARIOS) {
            String sc = scenario(s);
            Map<String, List<Map<String, Double>>> w = results.get(sc);
            if (w == null) {
                continue;
            }
            double oursRate = med(sc, OURS, "perSec");
            double oursP99 = med(sc, OURS, "p99us");
            sb.append("## ").append(sc).append("\n\n");
            sb.append("| client | requests/s | ours ÷ this (req/s) | p50 µs | p99 µs | this ÷ ours (p99) | client CPU µs/req | server CPU "
                    + "| rest of machine | steal | errors |\n");
            sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (Map.Entry<String, List<Map<String, Double>>> e : w.entrySet()) {
                List<Map<String, Double>> runs = e.getValue();
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f× | %s | %s | %.2f× | %.1f | %.0f%% | %.0f%% | %.0f%% | %.0f |%n", e.getKey(),
                        spread(runs, "perSec", "%,.0f"), oursRate / ResultsReport.median(runs, "perSec"),
                        spread(runs, "p50us", "%,.1f"), spread(runs, "p99us", "%,.1f"), ResultsReport.median(runs, "p99us") / oursP99,
                        ResultsReport.median(runs, "clientCpuUsPerReq"), ResultsReport.median(runs, "serverCpuPercent"),
                        ResultsReport.median(runs, "otherCpuPercent"), ResultsReport.median(runs, "stealPercent"),
                        runs.stream().mapToDouble(r -> r.getOrDefault("errors", 0.0)).sum()));
            }
            sb.append('\n');
        }

        if (!phases.isEmpty()) {
            sb.append("## Where one round trip goes: 1 thread x 1 connection, per-phase medians (µs)\n\n");
            sb.append("`PhaseProbe`: the same five timestamps for both clients, taken through their public extension points (our ")
                    .append("`Framing` and `Instrumentation`; Netty handlers at the head of the pipeline). handoff = caller's call to the ")
                    .append("loop thread taking the request; write = to the write(2) returning; wire = to the read(2) of the reply ")
                    .append("returning (kernel, server, both cross-core wake-ups); decode = to the reply frame decoded; wake = to the caller ")
                    .append("running again; submit = the caller's call until it has handed the request over (returned from `exchange`, ")
                    .append("left the Mono's subscribe callback), part of handoff. Each run its own JVM: ")
                    .append(Harness.fmt(phaseWarmup)).append(" s warm-up, ").append(Harness.fmt(phaseMeasure))
                    .append(" s measured. Median of each phase per run, then the median (min–max) of the runs.\n\n");
            String[] keys = {"handoffUs", "writeUs", "wireUs", "decodeUs", "wakeUs", "totalUs", "submitUs"};
            sb.append("| client | handoff | write | wire | decode | wake | total | of the handoff: caller's submit |\n");
            sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            for (Map.Entry<String, List<Map<String, Double>>> e : phases.entrySet()) {
                sb.append("| ").append(e.getKey());
                for (String k : keys) {
                    sb.append(" | ").append(spread(e.getValue(), k, "%.1f"));
                }
                sb.append(" |\n");
            }
            sb.append('\n');
        }
        sb.append("## Summary: ours over each of the others (medians)\n\n");
        sb.append("| scenario | req/s vs Spring Integration | req/s vs Reactor Netty | p99 vs Spring Integration | p99 vs Reactor Netty "
                + "| req/s vs Reactor Netty on NIO (reference) |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (int[] s : SCENARIOS) {
            String sc = scenario(s);
            if (!results.containsKey(sc)) {
                continue;
            }
            double ours = med(sc, OURS, "perSec");
            double p99 = med(sc, OURS, "p99us");
            sb.append(String.format(Locale.ROOT, "| %s | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× |%n", sc, ours / med(sc, SPRING, "perSec"),
                    ours / med(sc, REACTOR, "perSec"), p99 / med(sc, SPRING, "p99us"), p99 / med(sc, REACTOR, "p99us"),
                    ours / med(sc, REACTOR_NIO, "perSec")));
        }
        sb.append("\np99 columns: ours ÷ theirs, lower is better.\n\n");

        sb.append("## Targets\n\n| target | scenario | measured | met |\n| --- | --- | ---: | :---: |\n");
        for (int[] s : SCENARIOS) {
            String sc = scenario(s);
            if (!results.containsKey(sc)) {
                continue;
            }
            double vsSpring = med(sc, OURS, "perSec") / med(sc, SPRING, "perSec");
            double vsReactor = med(sc, OURS, "perSec") / med(sc, REACTOR, "perSec");
            sb.append(String.format(Locale.ROOT, "| requests/s ≥ 5× Spring Integration | %s | %.2f× | %s |%n", sc, vsSpring,
                    vsSpring >= 5 ? "yes" : "**no**"));
            sb.append(String.format(Locale.ROOT, "| requests/s ≥ 1× Reactor Netty | %s | %.2f× | %s |%n", sc, vsReactor,
                    vsReactor >= 1 ? "yes" : "**no**"));
        }
        sb.append('\n');
        return sb.toString();
    }
}
