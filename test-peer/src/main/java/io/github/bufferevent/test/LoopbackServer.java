package io.github.bufferevent.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a {@link LoopbackPeer} (a real TCP server on a loopback ephemeral port) around a test
 * class (started before all its tests, closed after) or a test method (around that method), and
 * injects it into test and lifecycle methods as a {@link LoopbackPeer} parameter: the method's own
 * server if the method has one, else the class's.
 *
 * <pre>{@code
 * @LoopbackServer(LoopbackServer.Kind.LINE_ECHO)
 * class LineClientTest {
 *     @Test
 *     void echoes(LoopbackPeer server) { ... server.port() ... }
 *
 *     @Test
 *     @LoopbackServer(value = LoopbackServer.Kind.SCRIPTED, script = {"PING -> PONG", "GET a -> 1"})
 *     void scripted(LoopbackPeer server) { ... }
 * }
 * }</pre>
 *
 * For Spring tests, whose {@code @DynamicPropertySource} methods run before any parameter could be
 * injected, register a {@link LoopbackServerExtension} in a static field instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(LoopbackServerExtension.class)
public @interface LoopbackServer {

    /** The behaviour (default {@link Kind#ECHO}). */
    Kind value() default Kind.ECHO;

    /** For {@link Kind#LENGTH_FIELD_ECHO}: the header's size, 1, 2 or 4 bytes (default 2). */
    int lengthFieldBytes() default 2;

    /** For {@link Kind#CLOSE_AFTER} and {@link Kind#RESET}: bytes echoed before closing or resetting (default 0: at once). */
    long bytes() default 0;

    /** For {@link Kind#SCRIPTED}: lines {@code "request -> reply"}; a request not listed gets no answer. */
    String[] script() default {};

    /**
     * For {@link Kind#SCRIPTED}, instead of {@link #script}: a function from request line to reply
     * line (null: no answer), made with its no-argument constructor; it runs on the connection's thread.
     */
    Class<? extends Function<String, String>> scriptFunction() default NoFunction.class;

    /** The behaviours; each is the {@link PeerBehavior} factory of the same name. */
    enum Kind {
        /** {@link PeerBehavior#echo()}: every byte back. */
        ECHO,
        /** {@link PeerBehavior#lineEcho()}: every whole line back. */
        LINE_ECHO,
        /** {@link PeerBehavior#lengthFieldEcho(int)} with {@link #lengthFieldBytes()}. */
        LENGTH_FIELD_ECHO,
        /** {@link PeerBehavior#scripted(java.util.Map)} with {@link #script()}, or {@link #scriptFunction()}. */
        SCRIPTED,
        /** {@link PeerBehavior#silent()}: accepts and reads, never answers. */
        SILENT,
        /** {@link PeerBehavior#closeAfter(long)} with {@link #bytes()}. */
        CLOSE_AFTER,
        /** {@link PeerBehavior#resetAfter(long)} with {@link #bytes()} (0: reset on accept). */
        RESET
    }

    /** The default of {@link #scriptFunction()}: none. */
    final class NoFunction implements Function<String, String> {
        private NoFunction() {
        }

        @Override
        public String apply(String line) {
            return null;
        }
    }
}
