package io.github.bufferevent.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an {@link InvalidBufferEventPropertyException} as Boot's own analyzers do. */
class InvalidBufferEventPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidBufferEventPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidBufferEventPropertyException cause) {
        String value = cause.getValue() == null ? "is not set" : "has the value '" + InvalidBufferEventPropertyException.display(cause.getValue()) + "'";
        String description = String.format("The bufferevent property '%s' %s, which cannot be used.", cause.getProperty(), value);
        String action = String.format("Set '%s' to %s.", cause.getProperty(), cause.getAllowed());
        return new FailureAnalysis(description, action, cause);
    }
}
