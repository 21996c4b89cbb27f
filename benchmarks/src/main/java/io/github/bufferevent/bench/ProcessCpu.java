package io.github.bufferevent.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The client process's CPU time (all its threads: loop, GC, JIT, pools), so a run can report what
 * its work cost as well as how fast it went: on a shared machine the rate follows the CPU the
 * process was given, the cost per unit of work much less. Any thread.
 */
final class ProcessCpu {

    private ProcessCpu() {
    }

    /** CPU time used by this process so far, in nanoseconds (-1 if the JVM cannot tell). */
    static long nanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** {@code result} (a {@code RESULT {...}} line) with {@code "cpuSeconds"}: the CPU time between two {@link #nanos} readings. */
    static String withCpu(String result, long startNanos, long endNanos) {
        if (startNanos < 0 || endNanos < 0) {
            return result;
        }
        int end = result.lastIndexOf('}');
        return result.substring(0, end) + String.format(Locale.ROOT, ",\"cpuSeconds\":%.3f", (endNanos - startNanos) / 1e9)
                + result.substring(end);
    }
}
