package io.github.bufferevent.client;

import io.github.bufferevent.EvBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Redis' RESP2 as a {@link Framing}, written here to show a protocol of one's own fits: encode
 * sends a command as an array of bulk strings (the frame's words split on spaces); decode returns
 * one whole reply (simple string, error, integer, bulk string or nested array) with its RESP
 * markers, or null until all of it has arrived.
 */
final class RespFraming implements Framing {

    private final int maxLength;

    RespFraming(int maxLength) {
        this.maxLength = maxLength;
    }

    @Override
    public void encode(byte[] frame, EvBuffer out) {
        String[] words = new String(frame, StandardCharsets.UTF_8).trim().split(" +");
        StringBuilder sb = new StringBuilder().append('*').append(words.length).append("\r\n");
        for (String w : words) {
            byte[] b = w.getBytes(StandardCharsets.UTF_8);
            sb.append('$').append(b.length).append("\r\n").append(w).append("\r\n");
        }
        out.add(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] decode(EvBuffer in) {
        long n = Math.min(in.length(), (long) maxLength + 1);
        byte[] view = new byte[(int) n];
        in.copyOut(view);
        int end = parse(view, 0);
        if (end < 0) {
            if (in.length() > maxLength) {
                throw new FrameTooLongException(FrameTooLongException.Direction.REPLY, in.length(), maxLength);
            }
            return null;
        }
        byte[] frame = new byte[end];
        in.remove(frame);
        return frame;
    }

    /** The index just past the reply starting at {@code at}, or -1 if it is not all there. */
    private static int parse(byte[] b, int at) {
        int eol = lineEnd(b, at);
        if (eol < 0) {
            return -1;
        }
        char type = (char) b[at];
        switch (type) {
            case '+':
            case '-':
            case ':':
                return eol + 2;
            case '$': {
                int len = Integer.parseInt(new String(b, at + 1, eol - at - 1, StandardCharsets.US_ASCII));
                if (len < 0) {
                    return eol + 2;
                }
                int end = eol + 2 + len + 2;
                return end <= b.length ? end : -1;
            }
            case '*': {
                int count = Integer.parseInt(new String(b, at + 1, eol - at - 1, StandardCharsets.US_ASCII));
                int pos = eol + 2;
                for (int i = 0; i < count; i++) {
                    pos = parse(b, pos);
                    if (pos < 0) {
                        return -1;
                    }
                }
                return pos;
            }
            default:
                throw new IllegalStateException("not RESP: type byte " + (int) type);
        }
    }

    private static int lineEnd(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
