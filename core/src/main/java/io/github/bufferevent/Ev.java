package io.github.bufferevent;

/**
 * libevent's {@code EV_READ} and {@code EV_WRITE}: the directions a bufferevent can enable,
 * disable, flush and trigger. Plain constants; any thread may read them.
 */
public final class Ev {

    /** {@code EV_READ}: the read side. */
    public static final int READ = 0x02;

    /** {@code EV_WRITE}: the write side. */
    public static final int WRITE = 0x04;

    private Ev() {
    }

    static int checkDirections(String argument, int what) {
        if (what == 0 || (what & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException(argument + " must be a non-empty combination of Ev.READ (0x02) and Ev.WRITE (0x04), was 0x"
                    + Integer.toHexString(what));
        }
        return what;
    }
}
