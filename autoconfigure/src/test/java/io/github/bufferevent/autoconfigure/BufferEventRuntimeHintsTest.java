package io.github.bufferevent.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.autoconfigure.actuate.BufferEventHealthProperties;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;

/** The classes the unknown-key check introspects are registered for reflection, so it works in a native image too. */
class BufferEventRuntimeHintsTest {

    @Test
    void thePropertiesClassesTheKeyCheckWalksAreRegistered() {
        RuntimeHints hints = new RuntimeHints();
        new BufferEventRuntimeHints().registerHints(hints, getClass().getClassLoader());
        for (Class<?> type : new Class<?>[] {BufferEventProperties.class, BufferEventProperties.Client.class,
            BufferEventProperties.Ssl.class, BufferEventProperties.Reconnect.class, BufferEventProperties.Framing.class,
            BufferEventHealthProperties.class}) {
            assertThat(RuntimeHintsPredicates.reflection().onType(type).withMemberCategory(MemberCategory.INVOKE_PUBLIC_METHODS))
                    .as("%s", type.getSimpleName()).accepts(hints);
        }
    }
}
