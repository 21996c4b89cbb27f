package io.github.bufferevent.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Turns the harness's raw runs into RESULTS.md: medians, spread, ratios against Netty NIO, targets. */
final class ResultsReport {

    private final Map<String, Map<String, List<Map<String, Double>>>> results;
    private final Map<String, Double> alloc;
    private final String machine;
    private final String args;
    private final int repeats;
    private final double warmup;
    private final double measure;
    private final int idleCount;
    private final String serverCpu;
    private final String clientCpu;
    private final double minutes;

    ResultsReport(Map<String, Map<String, List<Map<String, Double>>>> results, Map<String, Double> alloc, String machine, String args,
            int repeats, double warmup, double measure, int idleCount, String serverCpu, String clientCpu, double minutes) {
        this.results = results;
        this.alloc = alloc;
        this.machine = machine;
        this.args = args;
        this.repeats = repeats;
        this.warmup = warmup;
        this.measure = measure;
        this.idleCount = idleCount;
        this.serverCpu = serverCpu;
        this.clientCpu = clientCpu;
        this.minutes = minutes;
    }

    static double median(List<Map<String, Double>> runs, String key) {
        double[] v = runs.stream().mapToDouble(r -> r.getOrDefault(key, Double.NaN)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double min(List<Map<String, Double>> runs, String key) {
        return runs.stream().mapToDouble(r -> r.getOrDefault(key, Double.NaN)).min().orElse(Double.NaN);
    }

    static double max(List<Map<String, Double>> runs, String key) {
        return runs.stream().mapToDouble(r -> r.getOrDefault(key, Double.NaN)).max().orElse(Double.NaN);
    }

    /** The median of {@code key} over {@code client}'s runs of {@code workload}; NaN where there are none. */
    static double med(Map<String, Map<String, List<Map<String, Double>>>> results, String workload, String client, String key) {
        Map<String, List<Map<String, Double>>> w = results.get(workload);
        if (w == null || !w.containsKey(client)) {
            return Double.NaN;
        }
        return median(w.get(client), key);
    }

    private double med(String workload, String client, String key) {
        return med(results, workload, client, key);
    }

    /**
     * A ping-pong table, if {@code results} has {@code workload}: {@code heading}, {@code header}
     * (the column names and alignment rows), then a row a client: round trips/s, its ratio to Netty
     * NIO's, p50 and p99 µs (median, min–max), then, with {@code extraCells}, the cells it gives for
     * the client's runs.
     */
    static void pingpongTable(StringBuilder sb, Map<String, Map<String, List<Map<String, Double>>>> results, String workload,
            String heading, String header, Function<List<Map<String, Double>>, String> extraCells) {
        Map<String, List<Map<String, Double>>> byClient = results.get(workload);
        if (byClient == null) {
            return;
        }
        double nio = med(results, workload, Harness.NIO, "perSec");
        sb.append(heading).append("\n\n").append(header);
        for (Map.Entry<String, List<Map<String, Double>>> e : byClient.entrySet()) {
            List<Map<String, Double>> runs = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %,.0f (%,.0f–%,.0f) | %.2f× | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) |", e.getKey(),
                    median(runs, "perSec"), min(runs, "perSec"), max(runs, "perSec"), median(runs, "perSec") / nio,
                    median(runs, "p50us"), min(runs, "p50us"), max(runs, "p50us"),
                    median(runs, "p99us"), min(runs, "p99us"), max(runs, "p99us")));
            if (extraCells != null) {
                sb.append(' ').append(extraCells.apply(runs)).append(" |");
            }
            sb.append(System.lineSeparator());
        }
        sb.append('\n');
    }

    /** The chart's bars: this project's throughput over each reference's, per workload (higher is better). */
    static Map<String, Double> ratios(Map<String, Map<String, List<Map<String, Double>>>> results) {
        Map<String, Double> r = new LinkedHashMap<>();
        for (String[] w : new String[][] {{"pingpong-1", "perSec"}, {"pingpong-1-shared-core", "perSec"}, {"pingpong-100", "perSec"},
            {"stream", "mbPerSec"},
            {"connect", "perSec"}}) {
            Map<String, List<Map<String, Double>>> byClient = results.get(w[0]);
            if (byClient == null) {
                continue;
            }
            double ours = median(byClient.get(Harness.OURS), w[1]);
            r.put(w[0] + " vs Netty NIO", ours / median(byClient.get(Harness.NIO), w[1]));
            if (byClient.containsKey(Harness.LIBEVENT)) {
                r.put(w[0] + " vs libevent", ours / median(byClient.get(Harness.LIBEVENT), w[1]));
            }
        }
        Map<String, List<Map<String, Double>>> idle = results.get("idle");
        if (idle != null) {
            r.put("idle heap: Netty NIO / ours", median(idle.get(Harness.NIO), "heapBytesPerConnection")
                    / median(idle.get(Harness.OURS), "heapBytesPerConnection"));
        }
        return r;
    }

    String markdown(String chartFile) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmarks: bufferevent vs Netty 4.2.18 vs libevent 2.1\n\n");
        sb.append("Generated by `benchmarks/run.sh` (").append(String.format(Locale.ROOT, "%.1f", minutes)).append(" minutes). ")
                .append("Do not edit by hand; rerun the script.\n\n");
        sb.append("- Machine: ").append(machine).append('\n');
        sb.append("- Command: `benchmarks/run.sh` (harness arguments: `").append(args.isEmpty() ? "defaults" : args).append("`)\n");
        sb.append("- Server: one C epoll process (`benchmarks/native/bench_server.c`: echo and discard ports) for every client, ")
                .append("pinned to CPU ").append(serverCpu).append(" (and, for the shared-core ping-pong only, a second one pinned to CPU ")
                .append(clientCpu).append(").\n");
        sb.append("- Clients: each run is its own process pinned to CPU ").append(clientCpu)
                .append(": client and server **do not share a core**. Java clients run with the same flags `")
                .append(String.join(" ", Harness.JVM_FLAGS)).append("`, one event-loop thread each.\n");
        sb.append(String.format(Locale.ROOT, "- Each figure is the median of %d runs (min–max in brackets), %s s warm-up then %s s measured; ",
                repeats, Harness.fmt(warmup), Harness.fmt(measure)))
                .append("repetitions interleave the clients so drift hits all of them alike. Compare figures only within this file.\n");
        sb.append("- Clients: `bufferevent` = this project (BufferEvent on one EventBase, `dispatch()` on the main thread); ")
                .append("`bufferevent-metrics` = the same with the starter's Micrometer instrumentation (Prometheus registry); ")
                .append("`netty-nio` = Netty 4.2.18.Final, `MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory())`, pooled direct buffers; ")
                .append("`netty-epoll` = the same on the native epoll transport (reference); `libevent` = libevent 2.1 bufferevents in C ")
                .append("(`benchmarks/native/libevent_client.c`, gcc -O2).\n\n");
        sb.append("![ratios](").append(chartFile).append(")\n\n");

        pingpong(sb, "pingpong-1", "Echo ping-pong, 64-byte messages, 1 connection, one message in flight");
        pingpong(sb, "pingpong-1-shared-core", "Echo ping-pong, 64-byte messages, 1 connection, client and server sharing one core "
                + "(a second server pinned to the clients' CPU): the CPU cost per message shows, not the cross-core wake-up");
        pingpong(sb, "pingpong-100", "Echo ping-pong, 64-byte messages, 100 connections, one message in flight each");
        simple(sb, "stream", "mbPerSec", "MB/s", "Streaming 16 KiB writes to the discard server, 1 connection");
        simple(sb, "connect", "perSec", "connects/s", "Connect + CONNECTED + free, one at a time");
        idle(sb);
        allocation(sb);
        targets(sb);
        return sb.toString();
    }

    private void pingpong(StringBuilder sb, String workload, String title) {
        pingpongTable(sb, results, workload, "## " + title,
                "| client | round trips/s | vs Netty NIO | p50 µs | p99 µs |\n| --- | ---: | ---: | ---: | ---: |\n", null);
    }

    private void simple(StringBuilder sb, String workload, String key, String unit, String title) {
        Map<String, List<Map<String, Double>>> w = results.get(workload);
        if (w == null) {
            return;
        }
        double nio = med(workload, Harness.NIO, key);
        sb.append("## ").append(title).append("\n\n");
        sb.append("| client | ").append(unit).append(" | vs Netty NIO |\n| --- | ---: | ---: |\n");
        for (Map.Entry<String, List<Map<String, Double>>> e : w.entrySet()) {
            List<Map<String, Double>> runs = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %,.1f (%,.1f–%,.1f) | %.2f× |%n", e.getKey(), median(runs, key), min(runs, key),
                    max(runs, key), median(runs, key) / nio));
        }
        sb.append('\n');
    }

    private void idle(StringBuilder sb) {
        Map<String, List<Map<String, Double>>> w = results.get("idle");
        if (w == null) {
            return;
        }
        sb.append("## ").append(idleCount).append(" idle connected clients: heap per connection\n\n");
        sb.append("Heap in use after full GCs, before and after opening the connections, divided by their number ")
                .append("(Netty's pooled direct memory is off-heap and not counted; ours has no off-heap memory per connection).\n\n");
        sb.append("| client | heap bytes per connection |\n| --- | ---: |\n");
        for (Map.Entry<String, List<Map<String, Double>>> e : w.entrySet()) {
            List<Map<String, Double>> runs = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %,.0f (%,.0f–%,.0f) |%n", e.getKey(), median(runs, "heapBytesPerConnection"),
                    min(runs, "heapBytesPerConnection"), max(runs, "heapBytesPerConnection")));
        }
        sb.append('\n');
    }

    private void allocation(StringBuilder sb) {
        if (alloc.isEmpty()) {
            return;
        }
        sb.append("## Allocation on the echo path (JMH `-prof gc`, `EchoPathBenchmark.roundTrip`)\n\n");
        sb.append("One op = one 64-byte round trip through a client and a server bufferevent on one loop, over loopback. ")
                .append("`gc.alloc.rate.norm` in steady state (≤ 16 B/op counts as 0).\n\n");
        sb.append("| instrumentation | B/op | µs/op |\n| --- | ---: | ---: |\n");
        for (String m : new String[] {"false", "true"}) {
            Double b = alloc.get("metrics=" + m + " B/op");
            Double t = alloc.get("metrics=" + m + " us/op");
            if (b != null) {
                sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.2f |%n", m.equals("true") ? "Micrometer on" : "off", b, t));
            }
        }
        sb.append('\n');
        Double on = alloc.get("instrumentation metrics=true ns/round trip");
        Double none = alloc.get("instrumentation metrics=false ns/round trip");
        if (on != null && none != null) {
            sb.append("The round trip's socket time varies more between runs than instrumentation costs, so its cost is measured on ")
                    .append("its own (`InstrumentationCostBenchmark`: the calls one round trip makes, 2 reads, 2 writes, 3 loop turns): ")
                    .append(String.format(Locale.ROOT, "%.1f ns with Micrometer (Prometheus registry), %.1f ns with the no-op default.%n%n",
                            on, none));
        }
    }

    private void targets(StringBuilder sb) {
        List<String[]> rows = new ArrayList<>();
        for (String w : new String[] {"pingpong-1", "pingpong-1-shared-core", "pingpong-100"}) {
            if (!results.containsKey(w)) {
                continue;
            }
            double ours = med(w, Harness.OURS, "perSec");
            double nio = med(w, Harness.NIO, "perSec");
            rows.add(row(w + ": throughput ≥ 1.0× Netty NIO", ours / nio >= 1.0, String.format(Locale.ROOT, "%.2f×", ours / nio)));
            double p99 = med(w, Harness.OURS, "p99us") / med(w, Harness.NIO, "p99us");
            rows.add(row(w + ": p99 ≤ 1.0× Netty NIO", p99 <= 1.0, String.format(Locale.ROOT, "%.2f×", p99)));
            double lib = ours / med(w, Harness.LIBEVENT, "perSec");
            rows.add(row(w + ": ≥ 0.8× C libevent", lib >= 0.8, String.format(Locale.ROOT, "%.2f×", lib)));
            double metrics = 1 - med(w, Harness.METRICS, "perSec") / ours;
            rows.add(new String[] {w + ": throughput lost to instrumentation (informational: bound by cross-core wake-ups, "
                    + "its spread is wider than the effect)", "—", String.format(Locale.ROOT, "%.1f%%", metrics * 100)});
        }
        double stream = med("stream", Harness.OURS, "mbPerSec") / med("stream", Harness.NIO, "mbPerSec");
        rows.add(row("stream: ≥ 1.0× Netty NIO", stream >= 1.0, String.format(Locale.ROOT, "%.2f×", stream)));
        double connect = med("connect", Harness.OURS, "perSec") / med("connect", Harness.NIO, "perSec");
        rows.add(row("connect: ≥ 1.0× Netty NIO", connect >= 1.0, String.format(Locale.ROOT, "%.2f×", connect)));
        double heap = med("idle", Harness.OURS, "heapBytesPerConnection") / med("idle", Harness.NIO, "heapBytesPerConnection");
        rows.add(row("idle: heap per connection below Netty NIO", heap < 1.0, String.format(Locale.ROOT, "%.2f×", heap)));
        Double b = alloc.get("metrics=false B/op");
        if (b != null) {
            rows.add(row("echo path: 0 B/op (≤ 16)", b <= 16, String.format(Locale.ROOT, "%.3f B/op", b)));
        }
        Double off = alloc.get("metrics=false us/op");
        Double instrOn = alloc.get("instrumentation metrics=true ns/round trip");
        Double instrOff = alloc.get("instrumentation metrics=false ns/round trip");
        if (off != null && instrOn != null && instrOff != null) {
            double cost = (instrOn - instrOff) / (off * 1000);
            rows.add(row("instrumentation costs < 5% per message (its calls for one round trip, JMH, over the echo round trip's time)",
                    cost < 0.05, String.format(Locale.ROOT, "%.2f%% (%.0f ns of %.1f µs)", cost * 100, instrOn - instrOff, off)));
        }
        sb.append("## Targets\n\nA missed target is explained, with the profile that shows where the time goes, in ")
                .append("[PROFILE.md](PROFILE.md).\n\n| target | measured | met |\n| --- | ---: | :---: |\n");
        for (String[] r : rows) {
            sb.append("| ").append(r[0]).append(" | ").append(r[2]).append(" | ").append(r[1]).append(" |\n");
        }
        sb.append('\n');
    }

    private static String[] row(String target, boolean met, String measured) {
        return new String[] {target, met ? "yes" : "**no**", measured};
    }
}
