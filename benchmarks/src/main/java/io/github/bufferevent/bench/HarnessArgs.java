package io.github.bufferevent.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The harnesses' command line: {@code --name=value} arguments, in order. Main thread only. */
final class HarnessArgs {

    private HarnessArgs() {
    }

    /** The arguments as a name -> value map; anything not of the form --name=value is refused. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("arguments are --name=value, got " + arg);
            }
            a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return a;
    }
}
