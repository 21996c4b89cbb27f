package io.github.bufferevent.autoconfigure;

import io.github.bufferevent.autoconfigure.actuate.BufferEventHealthProperties;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What the starter reaches reflectively, for a native image: the unknown-key check walks the
 * properties classes' JavaBean getters and setters ({@link BufferEventPropertyKeys}). Boot's own
 * hints cover binding them; these cover the introspection. Called by Spring AOT at build time.
 */
final class BufferEventRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        for (Class<?> type : BufferEventProperties.class.getDeclaredClasses()) {
            introspected(hints, type);
        }
        introspected(hints, BufferEventProperties.class);
        introspected(hints, BufferEventHealthProperties.class);
    }

    private static void introspected(RuntimeHints hints, Class<?> type) {
        hints.reflection().registerType(type, MemberCategory.INTROSPECT_PUBLIC_METHODS, MemberCategory.INVOKE_PUBLIC_METHODS);
    }
}
