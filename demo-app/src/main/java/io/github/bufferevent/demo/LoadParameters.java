package io.github.bufferevent.demo;

import java.util.Map;
import java.util.Set;

/**
 * The query of {@code POST /api/clients/{name}/load}, checked: only {@code messages}
 * (1..10000000, default 10000) and {@code concurrency} (1..1024, default 8), each at most once and
 * a whole number. Anything else is refused with a message naming the parameter and what is
 * allowed, rather than silently starting a default run. Stateless; any thread.
 */
record LoadParameters(long messages, int concurrency) {

    static final long MAX_MESSAGES = 10_000_000;
    static final int MAX_CONCURRENCY = 1024;
    static final long DEFAULT_MESSAGES = 10_000;
    static final int DEFAULT_CONCURRENCY = 8;

    private static final Set<String> KNOWN = Set.of("messages", "concurrency");

    /**
     * @param parameters the request's parameters, as {@code ServletRequest.getParameterMap()} gives them
     * @throws BadRequestException naming the first parameter that is unknown, repeated, not a number or out of range
     */
    static LoadParameters from(Map<String, String[]> parameters) {
        for (String name : parameters.keySet()) {
            if (!KNOWN.contains(name)) {
                throw new BadRequestException("unknown parameter '" + name + "': a load takes only 'messages' (1.." + MAX_MESSAGES
                        + ", default " + DEFAULT_MESSAGES + ") and 'concurrency' (1.." + MAX_CONCURRENCY + ", default "
                        + DEFAULT_CONCURRENCY + ")");
            }
        }
        long messages = number(parameters, "messages", DEFAULT_MESSAGES, MAX_MESSAGES);
        long concurrency = number(parameters, "concurrency", DEFAULT_CONCURRENCY, MAX_CONCURRENCY);
        return new LoadParameters(messages, (int) concurrency);
    }

    private static long number(Map<String, String[]> parameters, String name, long defaultValue, long max) {
        String[] values = parameters.get(name);
        if (values == null || values.length == 0) {
            return defaultValue;
        }
        if (values.length > 1) {
            throw new BadRequestException("parameter '" + name + "' is given " + values.length + " times; give it once, in 1.." + max);
        }
        long n;
        try {
            n = Long.parseLong(values[0]);
        } catch (NumberFormatException e) {
            throw new BadRequestException("parameter '" + name + "' must be a number in 1.." + max + ", was '" + values[0] + "'");
        }
        if (n < 1 || n > max) {
            throw new BadRequestException(name + " must be in 1.." + max + ", was " + n);
        }
        return n;
    }
}
