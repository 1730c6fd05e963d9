package io.pgpulse.processor.alert;

import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.processor.metrics.MetricsFrame;

/**
 * What the alert lifecycle of a source hears about: the metrics of a snapshot or a closed
 * window, a maintenance command issued for one of its incidents, or the result of one. All
 * arrive keyed by source id, so one task holds all of a source's alert state. Never
 * serialized: it lives between the merge and the processor only.
 */
public record LifecycleInput(MetricsFrame frame, MaintenanceCommand command, CommandResult result) {

    public LifecycleInput {
        int given = (frame == null ? 0 : 1) + (command == null ? 0 : 1) + (result == null ? 0 : 1);
        if (given != 1) {
            throw new IllegalArgumentException("exactly one of frame, command and result");
        }
    }

    public static LifecycleInput of(MetricsFrame frame) {
        return new LifecycleInput(frame, null, null);
    }

    public static LifecycleInput of(MaintenanceCommand command) {
        return new LifecycleInput(null, command, null);
    }

    public static LifecycleInput of(CommandResult result) {
        return new LifecycleInput(null, null, result);
    }
}
