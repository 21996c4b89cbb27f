package io.github.bufferevent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The callbacks a TLS test puts on a bufferevent: every event (as {@link BevEvent#toString}),
 * every plaintext byte read, and {@link BufferEvent#sslError()} as it was when an event arrived.
 * Optionally echoes what it reads. Callbacks run on the loop; the getters from any thread.
 */
public final class TlsRecorder {

    final List<String> events = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    volatile Throwable sslErrorAtEvent;
    volatile Throwable socketErrorAtEvent;
    /** Whether the input already held data when an event other than CONNECTED arrived (it must not). */
    volatile boolean inputLeftAtEvent;

    static TlsRecorder on(BufferEvent bev) {
        return on(bev, false);
    }

    static TlsRecorder echoing(BufferEvent bev) {
        return on(bev, true);
    }

    private static TlsRecorder on(BufferEvent bev, boolean echo) {
        TlsRecorder r = new TlsRecorder();
        bev.setCallbacks(b -> {
            if (echo) {
                b.output().addBuffer(b.input());
            } else {
                byte[] chunk = new byte[(int) b.input().length()];
                b.input().remove(chunk);
                synchronized (r.received) {
                    r.received.writeBytes(chunk);
                }
            }
        }, null, (b, what) -> {
            if (what != BevEvent.CONNECTED) {
                r.sslErrorAtEvent = b.sslError();
                r.socketErrorAtEvent = b.socketError();
                r.inputLeftAtEvent |= b.input().length() > 0;
            }
            r.events.add(BevEvent.toString(what));
        });
        bev.enable(Ev.READ);
        return r;
    }

    byte[] bytes() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    public String text() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    boolean has(String event) {
        return events.contains(event);
    }

    /** Whether an event other than CONNECTED arrived. */
    boolean ended() {
        for (String e : events) {
            if (!e.equals("CONNECTED")) {
                return true;
            }
        }
        return false;
    }
}
