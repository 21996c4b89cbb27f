package io.github.bufferevent.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link TlsSection}: tls.sh replaces only its section; run.sh's fresh report keeps it. */
class TlsSectionTest {

    private static final String REPORT = "# Benchmarks\n\n## Targets\n\n| a | b |\n";

    @Test
    void aDocumentWithoutTheSectionGetsItAppended() {
        String doc = TlsSection.replace(REPORT, "## TLS\n\nfirst\n");

        assertThat(doc).startsWith(REPORT.stripTrailing() + "\n\n" + TlsSection.BEGIN + "\n## TLS\n\nfirst\n" + TlsSection.END);
        assertThat(TlsSection.extract(doc)).isEqualTo(TlsSection.BEGIN + "\n## TLS\n\nfirst\n" + TlsSection.END);
    }

    @Test
    void aSecondRunReplacesTheSectionAndLeavesTheRestAlone() {
        String once = TlsSection.replace(REPORT + "\ntrailer\n", "## TLS\n\nfirst ($1 \\ literal)\n");
        String twice = TlsSection.replace(once, "## TLS\n\nsecond\n");

        assertThat(twice).contains("second").doesNotContain("first").startsWith(REPORT).contains("trailer");
        assertThat(twice.indexOf(TlsSection.BEGIN)).isEqualTo(twice.lastIndexOf(TlsSection.BEGIN)); // one section, not two
    }

    @Test
    void runShKeepsTheSectionOfThePreviousFile() {
        String previous = TlsSection.replace("# old report\n", "## TLS\n\nkept\n");

        String fresh = TlsSection.carryOver(previous, "# new report\n");

        assertThat(fresh).startsWith("# new report\n").doesNotContain("old report").contains("kept");
        assertThat(TlsSection.carryOver("# no TLS section\n", "# new report\n")).isEqualTo("# new report\n");
    }
}
