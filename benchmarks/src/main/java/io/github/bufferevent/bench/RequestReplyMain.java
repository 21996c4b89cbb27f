package io.github.bufferevent.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One request/reply client, in its own JVM, through several scenarios: {@code CLIENT PORT SIZE WARMUP_SEC
 * SETTLE_SEC MEASURE_SEC SERVER_PID THREADSxCONNECTIONS[wWINDOW][,...]}. First every scenario runs {@code WARMUP_SEC}
 * unmeasured (so the JIT has compiled every path before anything is measured); then each runs again
 * on a new client, {@code SETTLE_SEC} unmeasured and {@code MEASURE_SEC} measured, printing
 * {@code RESULT THREADSxCONNECTIONS[wWINDOW] {json}}.
 *
 * <p>Load shape, the same for every client: {@code THREADS} platform threads, each in a closed loop
 * (send one line, block until its reply, check it is the echo of what was sent, record the
 * latency, send the next), as a service's request threads would call a backend. With
 * {@code wWINDOW} each thread pipelines instead: it keeps up to {@code WINDOW} asynchronous
 * requests in flight (each reply checked and its latency recorded when it completes, a new
 * request sent as soon as one completes), as a batch job or a fan-out would. The client decides
 * how the calls share its {@code CONNECTIONS} connections. Each request is a {@code SIZE}-byte
 * line (CR LF included) with the thread and a sequence number in it.
 *
 * <p>Besides throughput and latency, a run reports the CPU time this JVM spent per request over
 * the measured window and, given the server's pid, how busy the server's core was: what tells a
 * client-bound run from a server- or latency-bound one.
 */
public final class RequestReplyMain {

    /** What a calling thread uses: one blocking request/reply, and teardown. */
    interface Client extends AutoCloseable {
        /** Sends {@code request} as one line (without its line end) and returns the reply line. */
        byte[] call(byte[] request) throws Exception;

        /**
         * Sends {@code request} as one line without waiting; the future ends with the reply line or
         * the failure. The caller does not touch {@code request} afterwards.
         */
        CompletableFuture<byte[]> callAsync(byte[] request);

        /** What to write in the report about how this client was set up. */
        String describe();

        /** Closes the client and what it started; bounded. */
        @Override
        void close();
    }

    private RequestReplyMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 8) {
            System.err.println("usage: CLIENT PORT SIZE WARMUP_SEC SETTLE_SEC MEASURE_SEC SERVER_PID THREADSxCONNECTIONS[wWINDOW][,...]");
            System.exit(2);
        }
        String impl = args[0];
        int port = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        double warmup = Double.parseDouble(args[3]);
        double settle = Double.parseDouble(args[4]);
        double measure = Double.parseDouble(args[5]);
        long serverPid = Long.parseLong(args[6]);
        String[] scenarios = args[7].split(",");
        if (impl.equals("reactor-netty-nio")) {
            // Reactor Netty on Netty's NIO transport (the JDK selector, as ours) instead of native epoll: a reference.
            System.setProperty("reactor.netty.native", "false");
        }
        // Every wait below is bounded; this bounds the whole run even if a client library hangs in close.
        long bound = (long) ((warmup + settle + measure) * 1000 + 15_000) * scenarios.length;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(bound);
                System.err.println(impl + ": run did not end in time, exiting");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                // done in time
            }
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        // Warm-up: every scenario's code paths (pool sizes, thread counts) run before any is measured,
        // so the JIT (on the same core as the benchmark) has compiled them all.
        for (String sc : scenarios) {
            once(impl, port, sc, size, warmup, 0, serverPid);
        }
        for (String sc : scenarios) {
            System.out.println("RESULT " + sc + " " + once(impl, port, sc, size, settle, measure, serverPid));
            System.out.flush();
        }
        System.exit(0);
    }

    /**
     * One scenario ({@code THREADSxCONNECTIONS[wWINDOW]}) on a new client: {@code settle} s unmeasured,
     * then {@code measure} s measured (0: none).
     */
    private static String once(String impl, int port, String scenario, int size, double settle, double measure, long serverPid)
            throws Exception {
        int[] s = parseScenario(scenario);
        int threads = s[0];
        int connections = s[1];
        int window = s[2];
        Client client = switch (impl) {
            case "bufferevent" -> new BufferEventRr(port, connections);
            case "spring-integration" -> new SpringIntegrationRr(port, connections);
            case "reactor-netty", "reactor-netty-nio" -> new ReactorNettyRr(port, connections);
            default -> throw new IllegalArgumentException("client must be bufferevent, spring-integration, reactor-netty or "
                    + "reactor-netty-nio, was " + impl);
        };
        try {
            return run(client, threads, window, size, settle, measure, serverPid);
        } finally {
            client.close();
        }
    }

    /** {@code THREADSxCONNECTIONS[wWINDOW]} as {threads, connections, window}; window 1 is the closed loop. */
    static int[] parseScenario(String scenario) {
        int x = scenario.indexOf('x');
        int w = scenario.indexOf('w');
        int threads = Integer.parseInt(scenario.substring(0, x));
        int connections = Integer.parseInt(scenario.substring(x + 1, w < 0 ? scenario.length() : w));
        int window = w < 0 ? 1 : Integer.parseInt(scenario.substring(w + 1));
        if (threads < 1 || connections < 1 || window < 1) {
            throw new IllegalArgumentException("scenario must be THREADSxCONNECTIONS[wWINDOW], each at least 1, was " + scenario);
        }
        return new int[] {threads, connections, window};
    }

    private static String run(Client client, int threads, int window, int size, double settle, double measure, long serverPid)
            throws Exception {
        int perThread = measure == 0 ? 1 : Math.max(200_000, 4_000_000 / threads);
        Caller[] callers = new Caller[threads];
        CountDownLatch ended = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            callers[i] = new Caller(client, i, size - 2, perThread, window, ended);
        }
        for (Caller c : callers) {
            c.thread.start();
        }
        Thread.sleep((long) (settle * 1000));
        long cpu0 = processCpuNanos();
        long server0 = serverCpuTicks(serverPid);
        long[] machine0 = machineTicks();
        long t0 = System.nanoTime();
        for (Caller c : callers) {
            c.latencies.recording = true;
        }
        Thread.sleep((long) (measure * 1000));
        for (Caller c : callers) {
            c.latencies.recording = false;
        }
        long t1 = System.nanoTime();
        long cpu1 = processCpuNanos();
        long server1 = serverCpuTicks(serverPid);
        long[] machine1 = machineTicks();
        for (Caller c : callers) {
            c.running = false;
        }
        // Each caller ends after its current calls, themselves bounded by the client's reply timeout.
        boolean allEnded = ended.await(30, TimeUnit.SECONDS);

        double seconds = (t1 - t0) / 1e9;
        long count = 0;
        long errors = 0;
        List<long[]> parts = new ArrayList<>();
        for (Caller c : callers) {
            count += c.latencies.count();
            errors += c.errors.get();
            parts.add(c.latencies.samples());
        }
        long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double p50 = percentile(all, 0.50);
        double p99 = percentile(all, 0.99);
        double cpuUsPerReq = count == 0 ? 0 : (cpu1 - cpu0) / 1e3 / count;
        double serverCpu = serverPid < 0 || server0 < 0 || server1 < 0 ? -1 : (server1 - server0) / 100.0 / seconds * 100;
        // What else ran on the machine meanwhile (other processes; this is a shared box), and what the hypervisor took.
        double otherCpu = machine0 == null || machine1 == null || serverCpu < 0 ? -1
                : Math.max(0, (machine1[0] - machine0[0]) / 100.0 / seconds * 100 - (cpu1 - cpu0) / 1e9 / seconds * 100 - serverCpu);
        double steal = machine0 == null || machine1 == null ? -1 : (machine1[1] - machine0[1]) / 100.0 / seconds * 100;
        if (!allEnded) {
            System.err.println("callers still waiting 30 s after the end");
        }
        for (Caller c : callers) {
            if (c.firstError != null) {
                System.err.println("first error of caller " + c.index + ": " + c.firstError);
                break;
            }
        }
        System.err.println(client.describe());
        return String.format(Locale.ROOT,
                "{\"requests\":%d,\"seconds\":%.3f,\"perSec\":%.0f,\"p50us\":%.1f,\"p99us\":%.1f,\"errors\":%d,"
                        + "\"clientCpuUsPerReq\":%.2f,\"serverCpuPercent\":%.1f,\"otherCpuPercent\":%.1f,\"stealPercent\":%.1f}",
                count, seconds, count / seconds, p50, p99, errors, cpuUsPerReq, serverCpu, otherCpu, steal);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * q))] / 1000.0;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The whole machine's busy ticks (user, nice, system, irq, softirq) and steal ticks, from /proc/stat, or null. */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7]);
            return new long[] {busy, Long.parseLong(f[8])};
        } catch (Exception e) {
            return null;
        }
    }

    /** utime + stime of {@code pid} in clock ticks (USER_HZ, 100 on Linux), or -1. */
    private static long serverCpuTicks(long pid) {
        if (pid < 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * One calling thread: a closed loop of blocking calls ({@code window} 1) or a pipeline of up to
     * {@code window} asynchronous calls; its own latency recorder (merged at the end).
     */
    private static final class Caller implements Runnable {
        final int index;
        final Thread thread;
        private final Client client;
        private final byte[] request;
        private final int window;
        /** Free places in the window (pipelined only): taken by a send, given back by its completion. */
        private final Semaphore free;
        final LatencyRecorder latencies;
        private final CountDownLatch ended;
        final AtomicLong errors = new AtomicLong();
        volatile Throwable firstError;
        volatile boolean running = true;

        Caller(Client client, int index, int length, int capacity, int window, CountDownLatch ended) {
            this.client = client;
            this.index = index;
            this.window = window;
            this.free = new Semaphore(window);
            this.latencies = new LatencyRecorder(capacity);
            this.ended = ended;
            this.request = new byte[length];
            Arrays.fill(request, (byte) 'x');
            byte[] id = String.format(Locale.ROOT, "t%02d-", index).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(id, 0, request, 0, id.length);
            this.thread = new Thread(this, "caller-" + index);
        }

        @Override
        public void run() {
            try {
                if (window == 1) {
                    closedLoop();
                } else {
                    pipelined();
                }
            } finally {
                ended.countDown();
            }
        }

        private void closedLoop() {
            long seq = 0;
            while (running) {
                stamp(request, ++seq);
                long start = System.nanoTime();
                byte[] reply;
                try {
                    reply = client.call(request);
                } catch (Exception e) {
                    error(e);
                    continue;
                }
                completed(request, start, reply);
            }
        }

        /** Up to {@code window} calls in flight; each new request its own array (the client may still hold the last one). */
        private void pipelined() {
            long seq = 0;
            try {
                while (running) {
                    if (!free.tryAcquire(10, TimeUnit.SECONDS)) {
                        error(new IllegalStateException("no reply for 10 s with " + window + " requests in flight"));
                        return;
                    }
                    byte[] sent = request.clone();
                    stamp(sent, ++seq);
                    long start = System.nanoTime();
                    CompletableFuture<byte[]> reply;
                    try {
                        reply = client.callAsync(sent);
                    } catch (Exception e) {
                        free.release();
                        error(e);
                        continue;
                    }
                    reply.whenComplete((r, failure) -> {
                        if (failure != null) {
                            error(failure);
                        } else {
                            completedAsync(sent, start, r);
                        }
                        free.release();
                    });
                }
                // The calls still in flight end within the clients' reply timeouts.
                if (!free.tryAcquire(window, 30, TimeUnit.SECONDS)) {
                    System.err.println("caller " + index + ": calls still in flight 30 s after the end");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void completed(byte[] sent, long start, byte[] reply) {
            long nanos = System.nanoTime() - start;
            if (!Arrays.equals(reply, sent)) {
                error(new IllegalStateException("reply is not the echo of the request: " + new String(reply, StandardCharsets.US_ASCII)));
                return;
            }
            latencies.record(nanos);
        }

        /** {@link #completed} from the client's threads (several with several connections): one at a time into the recorder. */
        private synchronized void completedAsync(byte[] sent, long start, byte[] reply) {
            completed(sent, start, reply);
        }

        /** Writes {@code seq} as 12 decimal digits after the thread's id: every request differs from the one before. */
        private static void stamp(byte[] request, long seq) {
            for (int i = 15; i >= 4; i--) {
                request[i] = (byte) ('0' + seq % 10);
                seq /= 10;
            }
        }

        private void error(Throwable e) {
            if (errors.incrementAndGet() == 1) {
                firstError = e;
            }
            if (errors.get() > 1000) {
                System.err.println("caller " + index + ": more than 1000 errors, the first: " + firstError);
                Runtime.getRuntime().halt(4);
            }
        }
    }
}
