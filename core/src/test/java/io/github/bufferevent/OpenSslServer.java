package io.github.bufferevent;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real {@code openssl s_server} for tests, started on a free 127.0.0.1 port with the
 * certificates of {@link TestPki}: it prints what it receives on its output (and {@code DONE}
 * after a clean close_notify, {@code ERROR} after a close without one), and sends the lines
 * written to it with {@link #send} ({@code "K\n"} sends a TLS 1.3 key update asking for one
 * back, {@code "R\n"} starts a TLS 1.2 renegotiation; each prints {@code SSL_do_handshake -> 1},
 * which only shows while the server runs under {@code stdbuf -oL}, used when it is on the PATH).
 * The {@code openssl} command must be on the PATH: its absence fails the test with a message
 * saying so rather than skipping it.
 */
final class OpenSslServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final StringBuilder raw = new StringBuilder();

    private OpenSslServer(Process process, int port) {
        this.process = process;
        this.port = port;
        Thread out = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))),
                "openssl-stdout");
        Thread err = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))),
                "openssl-stderr");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    private void pump(BufferedReader reader) {
        try {
            for (String line; (line = reader.readLine()) != null; ) {
                output.add(line);
                synchronized (raw) {
                    raw.append(line).append('\n');
                }
            }
        } catch (IOException ended) {
            // the process ended
        }
    }

    /**
     * Starts {@code openssl s_server} with the server certificate in {@code pemDir} (see
     * {@link TestPki#writePem}) and {@code extraArgs}, and waits until it accepts.
     */
    static OpenSslServer start(Path pemDir, String... extraArgs) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            List<String> cmd = new ArrayList<>();
            if (onPath("stdbuf")) {
                cmd.addAll(List.of("stdbuf", "-oL")); // its command results are printf'ed: line-buffer them
            }
            cmd.addAll(List.of("openssl", "s_server", "-4", "-accept", Integer.toString(port),
                    "-cert", pemDir.resolve("server.pem").toString(), "-key", pemDir.resolve("server.key").toString(),
                    "-CAfile", pemDir.resolve("ca.pem").toString()));
            cmd.addAll(List.of(extraArgs));
            Process p;
            try {
                p = new ProcessBuilder(cmd).start();
            } catch (IOException e) {
                throw new AssertionError("these tests need the 'openssl' command on the PATH (e.g. apt-get install openssl): " + e, e);
            }
            OpenSslServer server = new OpenSslServer(p, port);
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> server.printed("ACCEPT") || !p.isAlive());
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            if (p.isAlive()) {
                return server;
            }
            last = new IOException("openssl s_server did not start on port " + port + ": " + server.text());
        }
        throw last;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (java.nio.file.Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    int port() {
        return port;
    }

    /** Whether a line of its output (stdout or stderr) contains {@code text}. */
    boolean printed(String text) {
        for (String line : output) {
            if (line.contains(text)) {
                return true;
            }
        }
        return false;
    }

    /** Everything it printed so far. */
    String text() {
        synchronized (raw) {
            return raw.toString();
        }
    }

    /** Writes {@code text} to its input: sent to the client, or a command such as {@code "K\n"}. */
    void send(String text) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
