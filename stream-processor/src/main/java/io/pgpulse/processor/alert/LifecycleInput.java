package io.pgpulse.processor.alert;

import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.DerivedMetrics;

/**
 * What the alert lifecycle of a source hears about: a closed window of its metrics,
 * or the result of a command run on it. Both arrive keyed by source id, so one task
 * holds all of a source's alert state. Never serialized: it lives between the merge
 * and the processor only.
 */
public record LifecycleInput(DerivedMetrics window, CommandResult result) {

    public LifecycleInput {
        if ((window == null) == (result == null)) {
            throw new IllegalArgumentException("exactly one of window and result");
        }
    }

    public static LifecycleInput of(DerivedMetrics window) {
        return new LifecycleInput(window, null);
    }

    public static LifecycleInput of(CommandResult result) {
        return new LifecycleInput(null, result);
    }
}
