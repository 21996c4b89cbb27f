package io.github.bufferevent.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientScenariosTest {

    @Test
    void closedLoopAndPipelinedScenariosRoundTripThroughTheirKey() {
        for (int[] sc : ClientsHarness.SCENARIOS) {
            assertThat(RequestReplyMain.parseScenario(ClientsHarness.key(sc))).containsExactly(sc);
        }
        assertThat(ClientsHarness.key(new int[] {16, 4, 1})).isEqualTo("16x4");
        assertThat(ClientsHarness.key(new int[] {1, 4, 16})).isEqualTo("1x4w16");
        assertThat(ClientsHarness.scenario(new int[] {16, 1, 1})).isEqualTo("16 threads x 1 connection");
        assertThat(ClientsHarness.scenario(new int[] {1, 4, 16})).isEqualTo("1 thread x 4 connections, pipelined (16 in flight)");
    }

    @Test
    void aScenarioWithNothingToRunIsRefusedNamingTheForm() {
        assertThatThrownBy(() -> RequestReplyMain.parseScenario("1x0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("THREADSxCONNECTIONS[wWINDOW]").hasMessageContaining("1x0");
        assertThatThrownBy(() -> RequestReplyMain.parseScenario("1x1w0")).isInstanceOf(IllegalArgumentException.class);
    }
}
