package io.github.bufferevent.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.ResolvableType;

/**
 * Every key the bufferevent properties classes accept, found by walking their JavaBean
 * properties: a map of settings ({@code clients.<name>}) matches any name, and a list or a map of
 * plain values ({@code options[0]}) takes any key below it. Answers whether a key is one of them
 * and which one is closest to a key that is not. Immutable; any thread.
 */
final class BufferEventPropertyKeys {

    private static final String ANY = "*";

    /** One accepted key: its dashed elements ({@code *} for a map key) and whether keys below it belong to it. */
    private record Key(String[] dashed, String[] uniform, boolean open) {
    }

    private final List<Key> keys = new ArrayList<>();

    private BufferEventPropertyKeys() {
    }

    /** The keys of each {@code prefixes[i]} bound to {@code types[i]}. */
    static BufferEventPropertyKeys of(Map<String, Class<?>> typesByPrefix) {
        BufferEventPropertyKeys k = new BufferEventPropertyKeys();
        typesByPrefix.forEach((prefix, type) -> k.walk(new ArrayList<>(List.of(prefix.split("\\."))), type));
        return k;
    }

    private void walk(List<String> path, Class<?> type) {
        for (PropertyDescriptor pd : BeanUtils.getPropertyDescriptors(type)) {
            if (pd.getReadMethod() == null || pd.getName().equals("class")) {
                continue;
            }
            List<String> here = new ArrayList<>(path);
            here.add(dashed(pd.getName()));
            ResolvableType rt = ResolvableType.forMethodReturnType(pd.getReadMethod());
            Class<?> raw = rt.resolve(Object.class);
            if (Map.class.isAssignableFrom(raw)) {
                Class<?> value = rt.asMap().getGeneric(1).resolve(Object.class);
                if (isSettings(value)) {
                    here.add(ANY);
                    walk(here, value);
                } else {
                    add(here, true);
                }
            } else if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
                add(here, true);
            } else if (isSettings(raw)) {
                walk(here, raw);
            } else if (pd.getWriteMethod() != null) {
                add(here, false);
            }
        }
    }

    private void add(List<String> dashed, boolean open) {
        String[] d = dashed.toArray(new String[0]);
        String[] u = new String[d.length];
        for (int i = 0; i < d.length; i++) {
            u[i] = d[i].equals(ANY) ? ANY : d[i].replace("-", "").toLowerCase(Locale.ROOT);
        }
        keys.add(new Key(d, u, open));
    }

    /** A class of nested settings (ours, not an enum), rather than a value. */
    private static boolean isSettings(Class<?> c) {
        return c.getName().startsWith("io.github.bufferevent.") && !c.isEnum();
    }

    private static String dashed(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('-').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** Every accepted key, dashed, with {@code *} where a map key (a client or group name) goes. */
    List<String> names() {
        List<String> names = new ArrayList<>(keys.size());
        for (Key k : keys) {
            names.add(String.join(".", k.dashed));
        }
        return names;
    }

    /** Whether {@code name} is an accepted key (or below an open one). */
    boolean accepts(ConfigurationPropertyName name) {
        for (Key k : keys) {
            if (matches(k, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Key k, ConfigurationPropertyName name) {
        int n = k.uniform.length;
        int count = name.getNumberOfElements();
        if (count < n || count > n && !k.open) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!k.uniform[i].equals(ANY) && !k.uniform[i].equals(name.getElement(i, ConfigurationPropertyName.Form.UNIFORM))) {
                return false;
            }
        }
        return true;
    }

    /** The accepted key spelled most like {@code name}, with its map keys (client names) taken from it. */
    String closest(ConfigurationPropertyName name) {
        String wanted = name.toString();
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key k : keys) {
            String candidate = spell(k, name);
            int d = distance(wanted, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static String spell(Key k, ConfigurationPropertyName name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < k.dashed.length; i++) {
            if (i > 0) {
                b.append('.');
            }
            if (k.dashed[i].equals(ANY)) {
                b.append(i < name.getNumberOfElements() ? name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL) : "<name>");
            } else {
                b.append(k.dashed[i]);
            }
        }
        return b.toString();
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
