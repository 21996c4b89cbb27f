package io.github.bufferevent;

/**
 * libevent's {@code BEV_EVENT_*} flags, OR'ed together in the {@code events} argument of a
 * {@link BufferEvent.EventCallback}. Plain constants; any thread may read them.
 */
public final class BevEvent {

    /** {@code BEV_EVENT_READING}: the event happened while reading. */
    public static final int READING = 0x01;
    /** {@code BEV_EVENT_WRITING}: the event happened while writing (or connecting). */
    public static final int WRITING = 0x02;
    /** {@code BEV_EVENT_EOF}: the peer closed its side. */
    public static final int EOF = 0x10;
    /** {@code BEV_EVENT_ERROR}: a socket error; the cause is in {@link BufferEvent#socketError()}. */
    public static final int ERROR = 0x20;
    /** {@code BEV_EVENT_TIMEOUT}: a read or write timeout expired. */
    public static final int TIMEOUT = 0x40;
    /** {@code BEV_EVENT_CONNECTED}: a connect started by {@link BufferEvent#connect} completed. */
    public static final int CONNECTED = 0x80;

    private BevEvent() {
    }

    /** A readable form such as {@code "EOF|READING"}, for logs and test messages. */
    public static String toString(int events) {
        StringBuilder sb = new StringBuilder();
        append(sb, events, READING, "READING");
        append(sb, events, WRITING, "WRITING");
        append(sb, events, EOF, "EOF");
        append(sb, events, ERROR, "ERROR");
        append(sb, events, TIMEOUT, "TIMEOUT");
        append(sb, events, CONNECTED, "CONNECTED");
        int unknown = events & ~(READING | WRITING | EOF | ERROR | TIMEOUT | CONNECTED);
        if (unknown != 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append("0x").append(Integer.toHexString(unknown));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private static void append(StringBuilder sb, int events, int flag, String name) {
        if ((events & flag) != 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append(name);
        }
    }
}
