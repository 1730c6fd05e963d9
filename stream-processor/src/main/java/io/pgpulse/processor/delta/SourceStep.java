package io.pgpulse.processor.delta;

import io.pgpulse.processor.snapshot.SnapshotColumns;
import io.pgpulse.processor.state.SourceState;

/**
 * One snapshot applied: the source's state before and after it, and the stored bytes of
 * the state before (which a window checkpoint keeps as they are). Lives only between the
 * delta and the window processor of one task; never serialized.
 *
 * @param previousSource  the stored source part before the step, null for a new source
 * @param previousObjects the stored object part before the step when this step rewrote it, else null
 *                        (then the object store still holds it)
 * @param objectsWritten  whether this step rewrote the object part
 */
public record SourceStep(SnapshotApplier.Step step, byte[] previousSource, byte[] previousObjects,
                         boolean objectsWritten) {

    public SourceState previous() {
        return step.previous();
    }

    public SourceState next() {
        return step.next();
    }

    public SnapshotColumns snapshot() {
        return step.snapshot();
    }
}
