package io.github.bufferevent.bench.jmh;

import io.github.bufferevent.BevOption;
import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.BufferEventFactory;
import io.github.bufferevent.ConnectionListener;
import io.github.bufferevent.Ev;
import io.github.bufferevent.EvBuffer;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import io.github.bufferevent.autoconfigure.metrics.MicrometerBufferEventInstrumentation;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One 64-byte round trip through the echo path, per operation: a client bufferevent writes, a
 * server bufferevent (accepted by a ConnectionListener on the same base) echoes, the client reads
 * it back; both on the benchmark thread, over a real loopback socket. Run with {@code -prof gc}:
 * {@code gc.alloc.rate.norm} is the bytes allocated per round trip (target: 0, at most 16 counts as 0).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EchoPathBenchmark {

    /** Whether the starter's Micrometer instrumentation is on. */
    @Param({"false", "true"})
    public boolean metrics;

    private EventBase base;
    private ConnectionListener listener;
    private BufferEvent client;
    private final byte[] message = new byte[64];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Instrumentation clientInstr = Instrumentation.NOOP;
        EventBase.Builder builder = EventBase.builder();
        if (metrics) {
            MicrometerBufferEventInstrumentation instr = new MicrometerBufferEventInstrumentation(
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            builder.instrumentation(instr.forEventBase());
            clientInstr = instr.forClient("bench");
        }
        base = builder.build();
        BufferEventFactory factory = BufferEventFactory.builder(base).options(BevOption.CLOSE_ON_FREE).instrumentation(clientInstr).build();
        listener = ConnectionListener.bind(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16, (l, ch, peer) -> {
            try {
                BufferEvent server = factory.socket(ch);
                server.setCallbacks(b -> b.output().addBuffer(b.input()), null, null);
                server.enable(Ev.READ);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        client = factory.socket();
        client.setWatermark(Ev.READ, 64, 0);
        client.setCallbacks(b -> {
            EvBuffer in = b.input();
            if (in.length() >= 64) {
                in.drain(64);
                b.base().loopBreak();
            }
        }, null, (b, events) -> b.base().loopBreak());
        client.enable(Ev.READ);
        client.connect(listener.localAddress());
        base.dispatch(); // until CONNECTED
    }

    @Benchmark
    public void roundTrip() {
        client.write(message);
        base.dispatch(); // returns when the echo is back (loopBreak in the read callback)
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.free();
        listener.free();
        base.close();
    }
}
