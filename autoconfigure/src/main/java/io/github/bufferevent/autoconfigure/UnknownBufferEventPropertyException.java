package io.github.bufferevent.autoconfigure;

import java.util.List;

/**
 * A key under {@code bufferevent.} that no setting has (a misspelling such as
 * {@code bufferevent.clients.redis.hots}): it would be ignored silently and the client would fail
 * later for another reason, so startup stops here. {@code UnknownBufferEventPropertyFailureAnalyzer}
 * reports it with the closest valid key.
 */
public class UnknownBufferEventPropertyException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String origin;
    private final String closest;
    private final List<String> others;

    /**
     * @param property the unknown key
     * @param origin where it was set (a file and line), or null
     * @param closest the valid key spelled most like it
     * @param others further unknown keys, if any
     */
    public UnknownBufferEventPropertyException(String property, String origin, String closest, List<String> others) {
        super("Unknown property '" + property + "'" + (origin == null ? "" : " (" + origin + ")") + "; did you mean '" + closest
                + "'?" + (others.isEmpty() ? "" : " Also unknown: " + others));
        this.property = property;
        this.origin = origin;
        this.closest = closest;
        this.others = List.copyOf(others);
    }

    /** The unknown key. */
    public String getProperty() {
        return property;
    }

    /** Where it was set, or null. */
    public String getOrigin() {
        return origin;
    }

    /** The valid key spelled most like it. */
    public String getClosest() {
        return closest;
    }

    /** Further unknown keys. */
    public List<String> getOthers() {
        return others;
    }
}
