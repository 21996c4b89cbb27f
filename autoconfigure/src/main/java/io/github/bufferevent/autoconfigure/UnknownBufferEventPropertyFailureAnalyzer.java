package io.github.bufferevent.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an {@link UnknownBufferEventPropertyException}: the key, where it was set, the closest valid one. */
class UnknownBufferEventPropertyFailureAnalyzer extends AbstractFailureAnalyzer<UnknownBufferEventPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownBufferEventPropertyException cause) {
        String description = String.format("The property '%s'%s is not a bufferevent setting, so it would be ignored.%s",
                cause.getProperty(), cause.getOrigin() == null ? "" : " (" + cause.getOrigin() + ")",
                cause.getOthers().isEmpty() ? "" : " Also unknown: " + String.join(", ", cause.getOthers()) + ".");
        String action = String.format("Did you mean '%s'? Correct or remove the key "
                + "(bufferevent.fail-on-unknown-properties=false turns this check off).", cause.getClosest());
        return new FailureAnalysis(description, action, cause);
    }
}
