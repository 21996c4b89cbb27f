package io.github.bufferevent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * libevent issue #71: when accept fails with "too many open files" the listener must pause
 * instead of spinning on a socket that stays readable. A real EMFILE, in a child JVM whose
 * descriptor limit is lowered with {@code ulimit -n}.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@EnabledOnOs(OS.LINUX)
class ConnectionListenerAcceptErrorTest {

    @Test
    void acceptErrorsPauseAcceptingAndAcceptingResumesAfterwards() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "ulimit -n 256 && exec \"$0\" -Xshare:off -cp \"$1\" io.github.bufferevent.EmfileProbe",
                java, classpath).redirectErrorStream(true);
        Process child = pb.start();
        // A hung child must not hang the build: kill it after 45 s whatever happens.
        Thread reaper = new Thread(() -> {
            try {
                if (!child.waitFor(45, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        }, "emfile-reaper");
        reaper.setDaemon(true);
        reaper.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            Matcher result = expect(out, "RESULT errors=(\\d+) accepted=(\\d+)");
            int errors = Integer.parseInt(result.group(1));
            int accepted = Integer.parseInt(result.group(2));
            // One second of EMFILE with a 200 ms pause: a handful of attempts, not a spin.
            assertThat(errors).isBetween(1, 15);
            assertThat(accepted).isEqualTo(1);
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
        } finally {
            child.destroyForcibly();
        }
    }

    private static Matcher expect(BufferedReader out, String regex) throws Exception {
        Pattern p = Pattern.compile(regex);
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                return m;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("child ended without printing " + regex + "; it printed:\n" + seen);
    }

}
