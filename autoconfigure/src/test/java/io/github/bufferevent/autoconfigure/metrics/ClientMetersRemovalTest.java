package io.github.bufferevent.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A client removed while one of its meters is being registered at first use (the loop freeing its
 * connections as another thread removes it) leaves no series behind. The registry below runs the
 * removal exactly inside the registration, the interleaving a review found.
 */
class ClientMetersRemovalTest {

    @Test
    void aMeterRegisteredWhileRemoveRunsIsNotLeftInTheRegistry() throws Exception {
        AtomicReference<ClientMeters> toRemove = new AtomicReference<>();
        AtomicReference<Thread> remover = new AtomicReference<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry() {
            @Override
            protected Counter newCounter(Meter.Id id) {
                ClientMeters m = toRemove.getAndSet(null);
                if (m != null) {
                    Thread t = new Thread(m::remove, "remover"); // clientRemoved on another thread, right now
                    t.start();
                    remover.set(t);
                }
                return super.newCounter(id);
            }
        };
        ClientMeters meters = new ClientMeters("c", registry, null);
        toRemove.set(meters);
        meters.bytesRead(null, 5); // first use: registers bytes{direction=read}
        remover.get().join(10_000);
        assertThat(remover.get().isAlive()).isFalse();
        assertThat(registry.getMeters()).as("meters of a removed client").isEmpty();
        meters.bytesRead(null, 5); // a late event after the removal
        assertThat(registry.getMeters()).as("a late event brings no series back").isEmpty();
    }
}
