package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.BevRateLimitGroup;
import io.github.bufferevent.EvTokenBucketCfg;
import io.github.bufferevent.EventBase;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.springframework.util.unit.DataSize;

/**
 * The rate-limit groups of {@code bufferevent.rate-limit-groups}, by name, created on the starter's
 * {@link EventBase} and freed when the context closes. Named clients join theirs through
 * {@code bufferevent.clients.<name>.rate-limit-group}; application code may add its own
 * bufferevents with {@code BufferEvent.addToRateLimitGroup(groups.get(name))}. Any thread.
 */
public final class BufferEventRateLimitGroups implements AutoCloseable {

    private final Map<String, BevRateLimitGroup> groups;

    private BufferEventRateLimitGroups(Map<String, BevRateLimitGroup> groups) {
        this.groups = Collections.unmodifiableMap(groups);
    }

    /** Checks every group's properties, then creates the groups on {@code base}. */
    static BufferEventRateLimitGroups create(EventBase base, Map<String, BufferEventProperties.RateLimitGroup> properties) {
        Map<String, EvTokenBucketCfg> configs = new LinkedHashMap<>();
        Map<String, Long> minShares = new LinkedHashMap<>();
        properties.forEach((name, p) -> {
            String prefix = "bufferevent.rate-limit-groups." + name + ".";
            EvTokenBucketCfg cfg = RateLimitSettings.toConfig(RateLimitSettings.of(prefix, p));
            if (cfg == null) {
                throw new InvalidBufferEventPropertyException(prefix + "read-rate", p.getReadRate(),
                        "a size of 1B or more per tick, here or in " + prefix + "write-rate (a group without a rate limits nothing)");
            }
            DataSize minShare = p.getMinShare();
            if (minShare == null || minShare.isNegative()) {
                throw new InvalidBufferEventPropertyException(prefix + "min-share", minShare, "a size of 0B or more");
            }
            configs.put(name, cfg);
            minShares.put(name, minShare.toBytes());
        });
        Map<String, BevRateLimitGroup> groups = new LinkedHashMap<>();
        configs.forEach((name, cfg) -> {
            BevRateLimitGroup g = BevRateLimitGroup.create(base, cfg);
            g.setMinShare(minShares.get(name));
            groups.put(name, g);
        });
        return new BufferEventRateLimitGroups(groups);
    }

    /**
     * The group named {@code name}.
     *
     * @throws NoSuchElementException naming the configured groups if there is none by that name
     */
    public BevRateLimitGroup get(String name) {
        BevRateLimitGroup g = groups.get(name);
        if (g == null) {
            throw new NoSuchElementException("no bufferevent rate-limit group named '" + name + "'; configured: " + groups.keySet());
        }
        return g;
    }

    /** The group named {@code name}, or null. */
    public BevRateLimitGroup find(String name) {
        return groups.get(name);
    }

    /** The group names, in configuration order. */
    public Set<String> names() {
        return groups.keySet();
    }

    /** Frees every group (their members resume without the shared limit). */
    @Override
    public void close() {
        for (BevRateLimitGroup g : groups.values()) {
            g.free();
        }
    }
}
