package io.github.bufferevent;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.test.LoopbackPeer;
import io.github.bufferevent.test.PeerBehavior;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop logs what user code throws; when logging itself fails (out of descriptors, a
 * formatter whose class cannot initialise), the loop must survive and go on serving. The JDK's
 * {@code System.Logger} goes to {@code java.util.logging} here, so a handler that throws the
 * Error seen in the field stands in for the broken backend, deterministically.
 */
@Timeout(30)
class LoopSurvivesFailingLoggerTest {

    private final Logger jul = Logger.getLogger("io.github.bufferevent");
    private final AtomicInteger published = new AtomicInteger();
    private final Handler failing = new Handler() {
        @Override
        public void publish(LogRecord record) {
            published.incrementAndGet();
            throw new NoClassDefFoundError("Could not initialize class sun.util.calendar.ZoneInfoFile (thrown by the test)");
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private boolean parentHandlers;
    private EventBase base;

    @BeforeEach
    void breakLogging() {
        parentHandlers = jul.getUseParentHandlers();
        jul.setUseParentHandlers(false);
        jul.addHandler(failing);
    }

    @AfterEach
    void restoreLogging() {
        if (base != null) {
            base.close();
        }
        jul.removeHandler(failing);
        jul.setUseParentHandlers(parentHandlers);
    }

    @Test
    void throwingTasksTimersAndCallbacksAreLoggedIntoABrokenLoggerAndTheLoopGoesOn() throws Exception {
        base = EventBase.builder().threadName("failing-logger-loop").build().start();
        long lostBefore = LoopLog.failures();
        base.execute(() -> {
            throw new IllegalStateException("task boom (expected by the test)");
        });
        base.once(Duration.ZERO, () -> {
            throw new IllegalStateException("timer boom (expected by the test)");
        });
        try (LoopbackPeer peer = LoopbackPeer.start(PeerBehavior.sending("hello".getBytes(StandardCharsets.US_ASCII)))) {
            CountDownLatch read = new CountDownLatch(1);
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.THREADSAFE, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(b -> {
                read.countDown();
                throw new IllegalStateException("read callback boom (expected by the test)");
            }, null, null);
            bev.enable(Ev.READ);
            bev.connect(peer.address());
            assertThat(read.await(5, SECONDS)).isTrue();

            CountDownLatch alive = new CountDownLatch(1);
            base.execute(alive::countDown);
            assertThat(alive.await(5, SECONDS)).as("the loop still runs tasks").isTrue();
            bev.free();
        }
        assertThat(base.loopThread().isAlive()).isTrue();
        assertThat(published.get()).as("the loop did try to log").isGreaterThanOrEqualTo(3);
        assertThat(LoopLog.failures() - lostBefore).isGreaterThanOrEqualTo(3);
    }
}
