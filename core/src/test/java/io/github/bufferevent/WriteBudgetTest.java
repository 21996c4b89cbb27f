package io.github.bufferevent;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.bufferevent.test.LoopbackPeer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One busy writer must not hold the loop: however often its write callback refills the output,
 * a bufferevent writes at most {@link BufferEvent#WRITE_BUDGET_PER_TURN} bytes per loop turn and
 * the rest waits for the next turn, where other channels, timers and events get their share.
 * Counted in bytes per turn (the instrumentation sees both), not in time.
 */
@Timeout(60)
class WriteBudgetTest {

    @Test
    void aRefillingWriterWritesAtMostItsBudgetPerTurn() throws Exception {
        long[] thisTurn = new long[1];
        long[] most = new long[1];
        long[] total = new long[1];
        Instrumentation counting = new Instrumentation() {
            @Override
            public void bytesWritten(BufferEvent bev, long n) {
                thisTurn[0] += n;
                total[0] += n;
            }

            @Override
            public void loopTurn(EventBase base, long nanos) {
                most[0] = Math.max(most[0], thisTurn[0]);
                thisTurn[0] = 0;
            }
        };
        long goal = 64L * 1024 * 1024;
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        try (LoopbackPeer sink = LoopbackPeer.start((s, in, out) -> {
            try (s) {
                byte[] buf = new byte[256 * 1024];
                long n = 0;
                int r;
                while ((r = s.getInputStream().read(buf)) > 0) {
                    n += r;
                }
                received.complete(new byte[0]);
            }
        }); EventBase base = EventBase.builder().instrumentation(counting).build()) {
            byte[] chunk = new byte[256 * 1024];
            CountDownLatch done = new CountDownLatch(1);
            BufferEvent bev = BufferEvent.socket(base, null, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(null, b -> {
                if (total[0] >= goal) {
                    b.free();
                    base.loopBreak();
                    done.countDown();
                    return;
                }
                // Refill with several chunks at once: without the budget this is written in the same turn.
                for (int i = 0; i < 8; i++) {
                    b.write(chunk);
                }
            }, (b, what) -> {
                if (what == BevEvent.CONNECTED) {
                    b.write(chunk);
                }
            });
            bev.connect(sink.address());
            base.dispatch();
            assertThat(done.await(30, SECONDS)).isTrue();
        }
        assertThat(total[0]).isGreaterThanOrEqualTo(goal);
        assertThat(most[0]).isLessThanOrEqualTo(BufferEvent.WRITE_BUDGET_PER_TURN);
    }
}
