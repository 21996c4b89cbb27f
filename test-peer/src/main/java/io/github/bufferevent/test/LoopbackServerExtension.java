package io.github.bufferevent.test;

import java.lang.reflect.AnnotatedElement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Runs {@link LoopbackPeer}s around tests. Two ways to use it:
 *
 * <ul>
 *   <li>Declarative: {@link LoopbackServer @LoopbackServer} on the class or a method (which
 *       registers this extension); the peer is injected as a {@link LoopbackPeer} parameter.</li>
 *   <li>Programmatic, for Spring tests: a field
 *       {@code @RegisterExtension static final LoopbackServerExtension echo = LoopbackServerExtension.of(PeerBehavior.lineEcho());}
 *       runs one peer for the whole class (an instance field: a fresh one for each test), and
 *       {@link #port()} may be read before it would have started, from a
 *       {@code @DynamicPropertySource} method: the peer then starts at once.</li>
 * </ul>
 *
 * Every peer is closed at the end of its scope (class or method), its connections reset.
 *
 * <p>Threads: JUnit's; {@link #peer()} and {@link #port()} from any thread.
 */
public final class LoopbackServerExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LoopbackServerExtension.class);
    private static final String KEY = "peer";

    /** Programmatic: the behaviour of the one peer; null when driven by {@link LoopbackServer}. */
    private final PeerBehavior behavior;
    private LoopbackPeer peer;
    private boolean classScoped;

    /** The extension behind {@link LoopbackServer @LoopbackServer}; not meant to be called. */
    public LoopbackServerExtension() {
        this.behavior = null;
    }

    private LoopbackServerExtension(PeerBehavior behavior) {
        this.behavior = Objects.requireNonNull(behavior, "behavior");
    }

    /** A programmatic extension running one peer with {@code behavior} (see the class comment). */
    public static LoopbackServerExtension of(PeerBehavior behavior) {
        return new LoopbackServerExtension(behavior);
    }

    /**
     * The programmatic peer, started now if it has not been (so a {@code @DynamicPropertySource}
     * supplier may ask for it before the tests start).
     *
     * @throws IllegalStateException on the extension behind {@link LoopbackServer}: take the parameter
     */
    public synchronized LoopbackPeer peer() {
        if (behavior == null) {
            throw new IllegalStateException("this extension runs the peers of @LoopbackServer: take a LoopbackPeer parameter");
        }
        if (peer == null) {
            peer = LoopbackPeer.start(behavior);
        }
        return peer;
    }

    /** {@code peer().port()}. */
    public int port() {
        return peer().port();
    }

    /** {@code peer().host()}: the loopback address. */
    public String host() {
        return peer().host();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (behavior != null) {
            synchronized (this) {
                classScoped = true;
            }
            peer();
            return;
        }
        Optional<LoopbackServer> declared = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), LoopbackServer.class);
        declared.ifPresent(d -> context.getStore(NAMESPACE).put(KEY, start(d, context.getRequiredTestClass())));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (behavior != null) {
            closeProgrammatic();
            return;
        }
        closeStored(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (behavior != null) {
            synchronized (this) {
                if (!classScoped) {
                    peer();
                }
            }
            return;
        }
        Optional<LoopbackServer> declared = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), LoopbackServer.class);
        declared.ifPresent(d -> context.getStore(NAMESPACE).put(KEY, start(d, context.getRequiredTestMethod())));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (behavior != null) {
            synchronized (this) {
                if (classScoped) {
                    return;
                }
            }
            closeProgrammatic();
            return;
        }
        closeStored(context);
    }

    private synchronized void closeProgrammatic() {
        if (peer != null) {
            peer.close();
            peer = null;
        }
    }

    private static void closeStored(ExtensionContext context) {
        LoopbackPeer p = context.getStore(NAMESPACE).remove(KEY, LoopbackPeer.class);
        if (p != null) {
            p.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        // A programmatic extension is reached through its field; resolving here too would compete with @LoopbackServer.
        return behavior == null && parameterContext.getParameter().getType() == LoopbackPeer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        // The store looks in the method's scope first, then the class's (and enclosing classes').
        LoopbackPeer p = extensionContext.getStore(NAMESPACE).get(KEY, LoopbackPeer.class);
        if (p == null) {
            throw new ExtensionConfigurationException("no @LoopbackServer runs for " + extensionContext.getDisplayName()
                    + " (a LoopbackPeer parameter needs @LoopbackServer on the test method or class; "
                    + "@BeforeAll methods see only the class's)");
        }
        return p;
    }

    /** The behaviour {@code declared} asks for ({@code where}: for the messages). */
    static PeerBehavior behaviorOf(LoopbackServer declared, AnnotatedElement where) {
        switch (declared.value()) {
            case ECHO:
                return PeerBehavior.echo();
            case LINE_ECHO:
                return PeerBehavior.lineEcho();
            case LENGTH_FIELD_ECHO:
                return PeerBehavior.lengthFieldEcho(declared.lengthFieldBytes());
            case SILENT:
                return PeerBehavior.silent();
            case CLOSE_AFTER:
                return PeerBehavior.closeAfter(declared.bytes());
            case RESET:
                return PeerBehavior.resetAfter(declared.bytes());
            case SCRIPTED:
                return scripted(declared, where);
            default:
                throw new ExtensionConfigurationException("unknown kind " + declared.value());
        }
    }

    private static PeerBehavior scripted(LoopbackServer declared, AnnotatedElement where) {
        if (declared.scriptFunction() != LoopbackServer.NoFunction.class) {
            if (declared.script().length > 0) {
                throw new ExtensionConfigurationException("@LoopbackServer on " + where + ": give script or scriptFunction, not both");
            }
            try {
                var constructor = declared.scriptFunction().getDeclaredConstructor();
                constructor.setAccessible(true);
                Function<String, String> f = constructor.newInstance();
                return PeerBehavior.scripted(f);
            } catch (ReflectiveOperationException e) {
                throw new ExtensionConfigurationException("@LoopbackServer on " + where + ": cannot make "
                        + declared.scriptFunction().getName() + " with its no-argument constructor", e);
            }
        }
        Map<String, String> replies = new LinkedHashMap<>();
        for (String line : declared.script()) {
            int arrow = line.indexOf(" -> ");
            if (arrow < 0) {
                throw new ExtensionConfigurationException("@LoopbackServer on " + where + ": script line \"" + line
                        + "\" must read \"request -> reply\"");
            }
            replies.put(line.substring(0, arrow), line.substring(arrow + 4));
        }
        return PeerBehavior.scripted(replies);
    }

    private static LoopbackPeer start(LoopbackServer declared, AnnotatedElement where) {
        return LoopbackPeer.start(behaviorOf(declared, where));
    }
}
