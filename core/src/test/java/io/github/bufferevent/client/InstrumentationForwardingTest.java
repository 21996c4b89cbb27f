package io.github.bufferevent.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.Instrumentation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The decorators that stand between a bufferevent and the user's instrumentation forward every
 * event: a new {@link Instrumentation} method that one of them does not override silently never
 * reaches the meters (as the TLS handshakes of pooled clients once did through {@link FreedWatch}).
 */
class InstrumentationForwardingTest {

    @Test
    void everyInstrumentationMethodIsForwardedByTheDecorators() throws Exception {
        Class<?> safe = Class.forName("io.github.bufferevent.SafeInstrumentation");
        for (Class<?> decorator : new Class<?>[] {FreedWatch.class, safe}) {
            for (Method m : Instrumentation.class.getMethods()) {
                if (Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                assertThat(declares(decorator, m)).as("%s overrides %s", decorator.getSimpleName(), m.getName()).isTrue();
            }
        }
    }

    private static boolean declares(Class<?> type, Method m) {
        try {
            type.getDeclaredMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
