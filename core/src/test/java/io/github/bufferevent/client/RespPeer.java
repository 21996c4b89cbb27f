package io.github.bufferevent.client;

import io.github.bufferevent.test.PeerBehavior;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A RESP2 test peer answering a few Redis commands (PING, ECHO, SET, GET, INCR) the way Redis
 * does, one reply per command in order; anything else gets {@code -ERR unknown command}.
 */
final class RespPeer implements PeerBehavior {

    private final Map<String, String> data = new ConcurrentHashMap<>();

    @Override
    public void serve(Socket s, InputStream raw, OutputStream out) throws IOException {
        InputStream in = new BufferedInputStream(raw);
        List<String> command;
        while ((command = readCommand(in)) != null) {
            out.write(reply(command).getBytes(StandardCharsets.UTF_8));
            if (in.available() == 0) {
                out.flush();
            }
        }
    }

    private String reply(List<String> c) {
        String name = c.isEmpty() ? "" : c.get(0).toUpperCase();
        switch (name) {
            case "PING":
                return "+PONG\r\n";
            case "ECHO":
                return bulk(c.get(1));
            case "SET":
                data.put(c.get(1), c.get(2));
                return "+OK\r\n";
            case "GET":
                return bulk(data.get(c.get(1)));
            case "INCR":
                long n = Long.parseLong(data.getOrDefault(c.get(1), "0")) + 1;
                data.put(c.get(1), Long.toString(n));
                return ":" + n + "\r\n";
            default:
                return "-ERR unknown command '" + name + "'\r\n";
        }
    }

    private static String bulk(String v) {
        return v == null ? "$-1\r\n" : "$" + v.getBytes(StandardCharsets.UTF_8).length + "\r\n" + v + "\r\n";
    }

    private static List<String> readCommand(InputStream in) throws IOException {
        String header = line(in);
        if (header == null) {
            return null;
        }
        if (header.charAt(0) != '*') {
            throw new IOException("expected an array, got " + header);
        }
        int n = Integer.parseInt(header.substring(1));
        List<String> words = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String len = line(in);
            byte[] b = in.readNBytes(Integer.parseInt(len.substring(1)));
            in.readNBytes(2);
            words.add(new String(b, StandardCharsets.UTF_8));
        }
        return words;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\r') {
                in.read();
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
