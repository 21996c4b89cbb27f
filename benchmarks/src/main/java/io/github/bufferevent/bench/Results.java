package io.github.bufferevent.bench;

import java.util.Locale;

/** The {@code RESULT {json}} lines every client prints, whatever its implementation. */
final class Results {

    private Results() {
    }

    static String stream(long bytes, double seconds) {
        return String.format(Locale.ROOT, "RESULT {\"bytes\":%d,\"seconds\":%.3f,\"mbPerSec\":%.1f}", bytes, seconds, bytes / 1e6 / seconds);
    }

    static String connect(long connects, double seconds) {
        return String.format(Locale.ROOT, "RESULT {\"connects\":%d,\"seconds\":%.3f,\"perSec\":%.0f}", connects, seconds, connects / seconds);
    }

    static String handshake(long handshakes, double seconds) {
        return String.format(Locale.ROOT, "RESULT {\"handshakes\":%d,\"seconds\":%.3f,\"perSec\":%.0f}", handshakes, seconds,
                handshakes / seconds);
    }

    static String idle(int connections, long heapBefore, long heapAfter) {
        return String.format(Locale.ROOT, "RESULT {\"connections\":%d,\"heapBytesPerConnection\":%.0f}", connections,
                (heapAfter - heapBefore) / (double) connections);
    }
}
