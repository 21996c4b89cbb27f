package io.github.bufferevent.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.core.env.Environment;

/**
 * The demo's HTTP API as the tests call it: real requests to the running server on 127.0.0.1,
 * each bounded by a timeout, and two tiny readers for fields of the flat JSON it answers.
 * Any thread may use one instance.
 */
final class DemoHttp {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    DemoHttp(Environment environment) {
        this.base = "http://127.0.0.1:" + environment.getProperty("local.server.port");
    }

    HttpResponse<String> get(String path) throws Exception {
        return send(request(path).GET());
    }

    HttpResponse<String> delete(String path) throws Exception {
        return send(request(path).DELETE());
    }

    /** POST without a body (a load run). */
    HttpResponse<String> post(String path) throws Exception {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** POST {@code body} as text/plain, as {@code curl --data-binary @file -H 'Content-Type: text/plain'} does. */
    HttpResponse<String> postText(String path, String body) throws Exception {
        return send(request(path).header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The number in {@code "field":123} of {@code json}; fails if absent. */
    static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no number field '" + field + "' in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    /** The boolean in {@code "field":true} of {@code json}; fails if absent. */
    static boolean flag(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(true|false)").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no boolean field '" + field + "' in " + json);
        }
        return Boolean.parseBoolean(m.group(1));
    }
}
