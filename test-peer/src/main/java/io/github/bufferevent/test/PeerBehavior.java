package io.github.bufferevent.test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What a {@link LoopbackPeer} does with each connection it accepts, on that connection's own
 * thread with blocking streams. The input stream records every byte read (see
 * {@link LoopbackPeer#received()}); a behaviour returns when it is done with the connection, which
 * the peer then closes (unless the behaviour reset it). Write your own for a protocol of yours.
 */
@FunctionalInterface
public interface PeerBehavior {

    /** Serves one connection; an {@link IOException} (the client went away) just ends it. */
    void serve(Socket socket, InputStream in, OutputStream out) throws IOException;

    /** Sends back every byte it receives, as it arrives. */
    static PeerBehavior echo() {
        return named("echo", (socket, in, out) -> {
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        });
    }

    /**
     * Sends back each whole line (LF or CR LF) with the line end it came with; a partial line at
     * the end is not echoed.
     */
    static PeerBehavior lineEcho() {
        return named("lineEcho", (socket, in, out) -> {
            PeerLine line;
            while ((line = PeerLine.read(in)) != null) {
                out.write(line.text);
                out.write(line.eol);
                out.flush();
            }
        });
    }

    /**
     * Sends back each frame of an unsigned big-endian length header of {@code fieldBytes} (1, 2
     * or 4) counting the payload, header included, as {@code Framing.lengthField} writes them.
     */
    static PeerBehavior lengthFieldEcho(int fieldBytes) {
        if (fieldBytes != 1 && fieldBytes != 2 && fieldBytes != 4) {
            throw new IllegalArgumentException("fieldBytes must be 1, 2 or 4, was " + fieldBytes);
        }
        return named("lengthFieldEcho(" + fieldBytes + ")", (socket, in, out) -> {
            byte[] header = new byte[fieldBytes];
            while (readFully(in, header)) {
                long length = 0;
                for (byte b : header) {
                    length = (length << 8) | (b & 0xff);
                }
                if (length > Integer.MAX_VALUE - 8) {
                    throw new IOException("frame of " + length + " bytes is too long for a test peer");
                }
                byte[] payload = new byte[(int) length];
                if (!readFully(in, payload)) {
                    return;
                }
                out.write(header);
                out.write(payload);
                out.flush();
            }
        });
    }

    /**
     * Answers each line (LF or CR LF, compared without its line end) with the line
     * {@code replies} maps it to, ended like the request; a line it does not map gets no answer.
     */
    static PeerBehavior scripted(Map<String, String> replies) {
        Map<String, String> copy = Map.copyOf(replies);
        return named("scripted" + copy.keySet(), scriptedLines(copy::get));
    }

    /**
     * Answers each line (LF or CR LF, given without its line end) with what {@code replies}
     * returns for it, ended like the request; null: no answer. Runs on the connection's thread.
     */
    static PeerBehavior scripted(Function<String, String> replies) {
        Objects.requireNonNull(replies, "replies");
        return named("scripted(function)", scriptedLines(replies));
    }

    private static PeerBehavior scriptedLines(Function<String, String> replies) {
        return (socket, in, out) -> {
            PeerLine line;
            while ((line = PeerLine.read(in)) != null) {
                String reply = replies.apply(new String(line.text, StandardCharsets.UTF_8));
                if (reply != null) {
                    out.write(reply.getBytes(StandardCharsets.UTF_8));
                    out.write(line.eol);
                    out.flush();
                }
            }
        };
    }

    /**
     * Sends {@code data} as soon as the connection is accepted, then closes it (a FIN: the client
     * reads the data, then EOF), without reading.
     */
    static PeerBehavior sending(byte[] data) {
        byte[] copy = data.clone();
        return named("sending(" + copy.length + " bytes)", (socket, in, out) -> {
            out.write(copy);
            out.flush();
        });
    }

    /**
     * Reads everything until the client closes (EOF), completes {@code received} with it, then
     * closes: for a test that checks all a client sent, and only once it finished. (A second
     * connection's bytes do not complete it again.)
     */
    static PeerBehavior readingAll(CompletableFuture<byte[]> received) {
        Objects.requireNonNull(received, "received");
        return named("readingAll", (socket, in, out) -> received.complete(in.readAllBytes()));
    }

    /** Accepts, reads and records everything, never answers: the peer that hangs (for reply timeouts). */
    static PeerBehavior silent() {
        return named("silent", (socket, in, out) -> {
            byte[] buf = new byte[16384];
            while (in.read(buf) > 0) {
                // recorded by the stream; never answered
            }
        });
    }

    /**
     * Echoes the first {@code bytes} bytes it receives, then closes the connection (a FIN: the
     * client sees EOF); 0 closes at once after the accept.
     */
    static PeerBehavior closeAfter(long bytes) {
        return named("closeAfter(" + bytes + ")", (socket, in, out) -> {
            if (echoUpTo(in, out, bytes)) {
                // FIN first, then read until the client closes too (5 s at most): closing with unread
                // bytes would send a RST, and the client would see an error instead of EOF.
                socket.shutdownOutput();
                socket.setSoTimeout(5000);
                byte[] buf = new byte[16384];
                while (in.read(buf) > 0) {
                    // recorded; never answered
                }
            }
        });
    }

    /** Resets the connection (RST: the client sees an error, not EOF) at once after the accept. */
    static PeerBehavior reset() {
        return resetAfter(0);
    }

    /** Echoes the first {@code bytes} bytes it receives, then resets the connection (RST). */
    static PeerBehavior resetAfter(long bytes) {
        return named("resetAfter(" + bytes + ")", (socket, in, out) -> {
            if (echoUpTo(in, out, bytes)) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
        });
    }

    /** Echoes up to {@code limit} bytes; true once that many went through, false on EOF before. */
    private static boolean echoUpTo(InputStream in, OutputStream out, long limit) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + limit);
        }
        byte[] buf = new byte[16384];
        long left = limit;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                return false;
            }
            out.write(buf, 0, n);
            out.flush();
            left -= n;
        }
        return true;
    }

    private static boolean readFully(InputStream in, byte[] into) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                if (off == 0) {
                    return false;
                }
                throw new EOFException("connection closed inside a frame");
            }
            off += n;
        }
        return true;
    }

    /** {@code behavior} with {@code name} as its {@code toString()} (it shows in the peer's and thread names). */
    static PeerBehavior named(String name, PeerBehavior behavior) {
        Objects.requireNonNull(behavior, "behavior");
        return new PeerBehavior() {
            @Override
            public void serve(Socket socket, InputStream in, OutputStream out) throws IOException {
                behavior.serve(socket, in, out);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
