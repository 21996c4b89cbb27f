package io.github.bufferevent.autoconfigure.actuate;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the {@code bufferevent} health contributor: {@code bufferevent.health.*}. */
@ConfigurationProperties("bufferevent.health")
public class BufferEventHealthProperties {

    /** The contributor is DOWN while one loop turn has run longer than this. */
    private Duration stuckThreshold = Duration.ofSeconds(5);

    /** Whether a disconnected client (other than one never started) makes the contributor DOWN. */
    private boolean clientDownIsDown;

    public Duration getStuckThreshold() {
        return stuckThreshold;
    }

    public void setStuckThreshold(Duration stuckThreshold) {
        this.stuckThreshold = stuckThreshold;
    }

    public boolean isClientDownIsDown() {
        return clientDownIsDown;
    }

    public void setClientDownIsDown(boolean clientDownIsDown) {
        this.clientDownIsDown = clientDownIsDown;
    }
}
