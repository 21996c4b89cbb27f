package io.github.bufferevent.bench.jmh;

import io.github.bufferevent.BufferEvent;
import io.github.bufferevent.EventBase;
import io.github.bufferevent.Instrumentation;
import io.github.bufferevent.autoconfigure.metrics.MicrometerBufferEventInstrumentation;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
 * The instrumentation calls one echo round trip makes, and nothing else: two reads and two writes
 * (client and server bufferevents) and {@link #TURNS} loop turns. Its time per op, divided by the
 * round trip's, is the per-message cost of the starter's Micrometer instrumentation, measured
 * without the run-to-run noise of the socket round trip itself.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InstrumentationCostBenchmark {

    /** Loop turns per echo round trip on one base: client flush, server read and echo, client read. */
    public static final int TURNS = 3;

    /** Whether the Micrometer instrumentation is on (else the no-op default). */
    @Param({"false", "true"})
    public boolean metrics;

    private EventBase base;
    private BufferEvent bev;
    private Instrumentation events;
    private Instrumentation loop;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        base = EventBase.create();
        bev = BufferEvent.socket(base, null);
        if (metrics) {
            MicrometerBufferEventInstrumentation instr = new MicrometerBufferEventInstrumentation(
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            events = instr.forClient("bench");
            loop = instr.forEventBase();
        } else {
            events = Instrumentation.NOOP;
            loop = Instrumentation.NOOP;
        }
    }

    @Benchmark
    public void oneRoundTrip() {
        events.bytesWritten(bev, 64); // client write
        events.bytesRead(bev, 64);    // server read
        events.bytesWritten(bev, 64); // server echo
        events.bytesRead(bev, 64);    // client read
        for (int i = 0; i < TURNS; i++) {
            loop.loopTurn(base, 4_000);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bev.free();
        base.close();
    }
}
