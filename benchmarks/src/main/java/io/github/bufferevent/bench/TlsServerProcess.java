package io.github.bufferevent.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@code tls_server} process pinned to a CPU: its echo and discard ports once it is ready,
 * and, once stopped with SIGTERM, its {@code STATS} line (handshakes, resumptions, key exchange
 * group, OpenSSL version). Main thread only.
 */
final class TlsServerProcess implements AutoCloseable {

    private final Process process;
    private final String cpu;
    private final int echoPort;
    private final int discardPort;
    private final CompletableFuture<String> stats = new CompletableFuture<>();

    TlsServerProcess(Path nativeDir, Path cert, Path key, String cpu) throws IOException {
        this.cpu = cpu;
        process = new ProcessBuilder(Harness.taskset(cpu, nativeDir.resolve("tls_server").toString(), cert.toString(),
                key.toString(), "0", "0")).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        int[] ports = Harness.awaitReady(process, r, "tls_server");
        echoPort = ports[0];
        discardPort = ports[1];
        System.out.printf("tls_server: echo %d, discard %d, pinned to CPU %s%n", echoPort, discardPort, cpu);
        // Process.destroy() would close our end of its stdout: read the STATS line it prints on SIGTERM from here on.
        Thread reader = new Thread(() -> {
            try {
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.startsWith("STATS ")) {
                        stats.complete(l.substring(6));
                    }
                }
            } catch (IOException closed) {
                // the stream closed first: no STATS
            }
            stats.complete("(no STATS line from tls_server)");
        }, "tls-server-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    int echoPort() {
        return echoPort;
    }

    int discardPort() {
        return discardPort;
    }

    /** SIGTERM (taskset execs the server, so the pid is the server's), then its STATS line. */
    String stop() throws Exception {
        new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor();
        String s = stats.get(10, TimeUnit.SECONDS);
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        System.out.printf("tls_server on CPU %s: %s%n", cpu, s);
        return s;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
