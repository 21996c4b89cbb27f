package io.github.bufferevent.autoconfigure;

/**
 * A {@code bufferevent.*} property holds a value the starter cannot use. Thrown while the beans are
 * built, so startup stops; {@code InvalidBufferEventPropertyFailureAnalyzer} turns it into Boot's
 * description-and-action report.
 */
public class InvalidBufferEventPropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final transient Object value;
    private final String allowed;

    /**
     * @param property the full property name, such as {@code bufferevent.clients.echo.port}
     * @param value the offending value (may be null for a missing value)
     * @param allowed what would be accepted, such as {@code "a port in 1..65535"}
     */
    public InvalidBufferEventPropertyException(String property, Object value, String allowed) {
        super("Invalid value " + (value == null ? "(none)" : "'" + display(value) + "'") + " for property '" + property
                + "': expected " + allowed);
        this.property = property;
        this.value = value;
        this.allowed = allowed;
    }

    /** The value as a user would write it in application.properties ({@code -1s}, not {@code PT-1S}). */
    static String display(Object value) {
        if (value instanceof java.time.Duration) {
            long nanos = ((java.time.Duration) value).toNanos();
            String[] units = {"d", "h", "m", "s", "ms", "us"};
            long[] sizes = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
            for (int i = 0; i < units.length; i++) {
                if (nanos != 0 && nanos % sizes[i] == 0) {
                    return nanos / sizes[i] + units[i];
                }
            }
            return nanos == 0 ? "0s" : nanos + "ns";
        }
        return String.valueOf(value);
    }

    /** The full property name. */
    public String getProperty() {
        return property;
    }

    /** The offending value, or null when the property is missing. */
    public Object getValue() {
        return value;
    }

    /** What the property accepts. */
    public String getAllowed() {
        return allowed;
    }
}
