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
 * <p>The decoded state of up to {@code cacheSources} sources is kept in memory as well, so that
 * their next snapshot does not decode what was just encoded; the stores stay the truth (the cache
 * is dropped whenever the task is initialized).
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
    private final int cacheSources;
    /** Decoded states of up to {@code cacheSources} sources, so that their next snapshot need not decode them. */
    private final java.util.Map<String, Cached> cache = new java.util.HashMap<>();
    private FixedKeyProcessorContext<String, SourceStep> context;
    private KeyValueStore<String, byte[]> sources;
    private KeyValueStore<String, byte[]> objects;
    private KeyValueStore<String, byte[]> names;

    /**
     * @param namesRetentionMs how long a dropped object stays named (at least the longest window plus grace)
     * @param cacheSources     how many sources' decoded states this task keeps in memory (0: none); the first
     *                         ones seen are kept, none is evicted
     */
    public CounterDeltaProcessor(long namesRetentionMs, int cacheSources) {
        this.namesRetentionMs = namesRetentionMs;
        this.cacheSources = cacheSources;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, SourceStep> context) {
        this.context = context;
        this.sources = context.getStateStore(SOURCE_STORE);
        this.objects = context.getStateStore(OBJECT_STORE);
        this.names = context.getStateStore(NAMES_STORE);
        // The task starts from its stores (after a restart, a rebalance, or a failed transaction that
        // wiped and restored them): nothing remembered from before may stand in for them.
        cache.clear();
    }

    /** A source's latest state as written, decoded; {@code objectsLoaded} when its tables and indexes are in it. */
    private record Cached(SourceState state, byte[] sourceBytes, byte[] objectBytes, boolean objectsLoaded) {
    }

    @Override
    public void process(FixedKeyRecord<String, SnapshotColumns> record) {
        SnapshotColumns snapshot = record.value();
        String source = snapshot.sourceId;
        Cached cached = cache.get(source);
        byte[] previousSource = cached != null ? cached.sourceBytes() : sources.get(source);
        SourceState previous = cached != null ? cached.state()
                : previousSource == null ? null : SourceState.readSource(previousSource);
        boolean objectsLoaded = cached != null && cached.objectsLoaded();
        if (previous != null && snapshot.collectedAtMs <= previous.lastSeenMs) {
            log.debug("{}: snapshot of {} is not newer than the latest ({}); dropped", source, snapshot.collectedAtMs,
                    previous.lastSeenMs);
            return;
        }
        boolean withObjects = snapshot.up && (snapshot.hasTables || snapshot.hasIndexes || snapshot.hasTableSizes
                || snapshot.hasIndexSizes);
        byte[] previousObjects = cached == null ? null : cached.objectBytes();
        if (previous != null && withObjects && !objectsLoaded) {
            previousObjects = objects.get(source);
            if (previousObjects != null) {
                previous = previous == (cached == null ? null : cached.state()) ? previous.copy() : previous;
                previous.readObjects(previousObjects);
            }
            objectsLoaded = true;
        }
        SnapshotApplier.Step step = SnapshotApplier.apply(previous, snapshot);
        byte[] nextSource = step.next().writeSource();
        sources.put(source, nextSource);
        byte[] nextObjects = previousObjects;
        if (withObjects) {
            nextObjects = step.next().writeObjects();
            objects.put(source, nextObjects);
            objectsLoaded = true;
        }
        if (step.namesChanged()) {
            byte[] known = names.get(source);
            ObjectCatalog catalog = known == null ? ObjectCatalog.empty() : ObjectCatalog.read(known);
            names.put(source, catalog.update(snapshot, namesRetentionMs).write());
        }
        if (cached != null || cache.size() < cacheSources) {
            cache.put(source, new Cached(step.next(), nextSource, nextObjects, objectsLoaded || previous == null));
        }
        context.forward(record.withValue(new SourceStep(step, previousSource, withObjects ? previousObjects : null,
                withObjects)));
    }
}
