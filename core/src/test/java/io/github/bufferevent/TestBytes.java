package io.github.bufferevent;

import java.nio.charset.StandardCharsets;

/** Test data: a byte pattern that shows where a stream was cut or reordered, and ASCII bytes. */
public final class TestBytes {

    private TestBytes() {
    }

    /** {@code n} bytes of a pattern that does not repeat every 256 bytes. */
    public static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    /** {@code s} in US-ASCII. */
    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
