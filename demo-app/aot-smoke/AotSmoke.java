import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Proves the demo runs AOT-processed: starts the demo jar (built with {@code process-aot}) with
 * {@code -Dspring.aot.enabled=true} on an ephemeral port, checks that Spring says it started the
 * AOT-processed application, and makes one exchange on every configured client through the REST
 * API. Run with the JDK's source launcher: {@code java demo-app/aot-smoke/AotSmoke.java JAR}.
 * Exits non-zero, naming what failed; every wait is bounded; the demo is always stopped.
 */
public final class AotSmoke {

    private static final Pattern PORT = Pattern.compile("Tomcat started on port (\\d+)");
    private static final Pattern CLIENT = Pattern.compile("\"name\":\"([^\"]+)\"");

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !Files.isRegularFile(Path.of(args[0]))) {
            fail("usage: java AotSmoke.java path/to/bufferevent-demo-app.jar (was " + List.of(args) + ")");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process demo = new ProcessBuilder(java, "-Dspring.aot.enabled=true", "-jar", args[0], "--server.port=0")
                .redirectErrorStream(true).start();
        List<String> log = new ArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> read(demo, log, port), "demo-output");
        reader.setDaemon(true);
        reader.start();
        long start = System.nanoTime();
        try {
            int p;
            try {
                p = port.get(90, TimeUnit.SECONDS);
            } catch (Exception e) {
                fail("the AOT-processed demo did not start within 90 s: " + e + "\n" + tail(log));
                return;
            }
            long startedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            synchronized (log) {
                if (log.stream().noneMatch(l -> l.contains("Starting AOT-processed"))) {
                    fail("the demo started without its AOT-generated code (no 'Starting AOT-processed' line)\n" + tail(log));
                }
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://127.0.0.1:" + p;
            String clients = get(http, base + "/api/clients");
            Matcher m = CLIENT.matcher(clients);
            List<String> names = new ArrayList<>();
            while (m.find()) {
                names.add(m.group(1));
            }
            if (names.isEmpty()) {
                fail("no clients in /api/clients: " + clients);
            }
            for (String name : names) {
                awaitConnected(http, base, name);
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/clients/" + name + "/exchange"))
                        .timeout(Duration.ofSeconds(20)).header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString("aot " + name)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 || !r.body().contains("\"reply\"")) {
                    fail("exchange on '" + name + "' answered " + r.statusCode() + ": " + r.body());
                }
                System.out.println("AOT smoke: " + name + " -> " + r.body());
            }
            System.out.println("AOT smoke: passed; the AOT-processed demo started in " + startedMillis + " ms (JVM, with its "
                    + "embedded servers), exchanges on " + names);
        } finally {
            demo.destroy();
            if (!demo.waitFor(30, TimeUnit.SECONDS)) {
                demo.destroyForcibly();
            }
        }
    }

    private static void awaitConnected(HttpClient http, String base, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get(http, base + "/api/clients");
            int at = body.indexOf("\"name\":\"" + name + "\"");
            int next = body.indexOf("\"name\":", at + 1);
            String entry = next < 0 ? body.substring(at) : body.substring(at, next);
            if (entry.contains("\"connected\":true")) {
                return;
            }
            Thread.sleep(200); // polling a process we do not control, bounded by the deadline
        }
        fail("client '" + name + "' did not connect within 30 s: " + body);
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            fail(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static void read(Process demo, List<String> log, CompletableFuture<Integer> port) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (log) {
                    log.add(line);
                }
                Matcher m = PORT.matcher(line);
                if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                }
            }
            port.completeExceptionally(new IOException("the demo exited with " + demo.waitFor()));
        } catch (IOException | InterruptedException e) {
            port.completeExceptionally(e);
        }
    }

    private static String tail(List<String> log) {
        synchronized (log) {
            return String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size()));
        }
    }

    private static void fail(String message) {
        System.err.println("AOT smoke FAILED: " + message);
        System.exit(1);
    }
}
