package io.pgpulse.processor.delta;

import io.pgpulse.processor.snapshot.SnapshotColumns;
import io.pgpulse.processor.state.ObjectCatalog;
import io.pgpulse.processor.state.SourceState;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each snapshot to its source's state ({@link SnapshotApplier}) and passes the
 * step on. Stores, all keyed by source id: {@value #SOURCE_STORE} (the source part of the
 * {@link SourceState}, written for every snapshot), {@value #OBJECT_STORE} (its tables and
 * indexes, written when a snapshot carries them) and {@value #NAMES_STORE} (the
 * {@link ObjectCatalog}, written only when names change).
 *
 * <p>A snapshot not newer than the source's latest (a redelivery, or a straggler behind a
 * newer one) is dropped: its step was already taken.
 */
public final class CounterDeltaProcessor implements FixedKeyProcessor<String, SnapshotColumns, SourceStep> {

    public static final String SOURCE_STORE = "source-state";
    public static final String OBJECT_STORE = "object-state";
    public static final String NAMES_STORE = "object-names";

    private static final Logger log = LoggerFactory.getLogger(CounterDeltaProcessor.class);

    private final long namesRetentionMs;
    private FixedKeyProcessorContext<String, SourceStep> context;
    private KeyValueStore<String, byte[]> sources;
    private KeyValueStore<String, byte[]> objects;
    private KeyValueStore<String, byte[]> names;

    /** @param namesRetentionMs how long a dropped object stays named (at least the longest window plus grace) */
    public CounterDeltaProcessor(long namesRetentionMs) {
        this.namesRetentionMs = namesRetentionMs;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, SourceStep> context) {
        this.context = context;
        this.sources = context.getStateStore(SOURCE_STORE);
        this.objects = context.getStateStore(OBJECT_STORE);
        this.names = context.getStateStore(NAMES_STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, SnapshotColumns> record) {
        SnapshotColumns snapshot = record.value();
        String source = snapshot.sourceId;
        byte[] previousSource = sources.get(source);
        SourceState previous = previousSource == null ? null : SourceState.readSource(previousSource);
        if (previous != null && snapshot.collectedAtMs <= previous.lastSeenMs) {
            log.debug("{}: snapshot of {} is not newer than the latest ({}); dropped", source, snapshot.collectedAtMs,
                    previous.lastSeenMs);
            return;
        }
        boolean withObjects = snapshot.up && (snapshot.hasTables || snapshot.hasIndexes || snapshot.hasTableSizes
                || snapshot.hasIndexSizes);
        byte[] previousObjects = null;
        if (previous != null && withObjects) {
            previousObjects = objects.get(source);
            if (previousObjects != null) {
                previous.readObjects(previousObjects);
            }
        }
        SnapshotApplier.Step step = SnapshotApplier.apply(previous, snapshot);
        byte[] nextSource = step.next().writeSource();
        sources.put(source, nextSource);
        if (withObjects) {
            objects.put(source, step.next().writeObjects());
        }
        if (step.namesChanged()) {
            byte[] known = names.get(source);
            ObjectCatalog catalog = known == null ? ObjectCatalog.empty() : ObjectCatalog.read(known);
            names.put(source, catalog.update(snapshot, namesRetentionMs).write());
        }
        context.forward(record.withValue(new SourceStep(step, previousSource, previousObjects, withObjects,
                nextSource.length)));
    }
}
