package io.pgpulse.processor.fleet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.avro.Alert;
import io.pgpulse.processor.alert.AlertLifecycleProcessor;
import io.pgpulse.processor.delta.CounterDeltaProcessor;
import io.pgpulse.processor.metrics.DerivedMetricsWriter;
import io.pgpulse.processor.metrics.FrameNames;
import io.pgpulse.processor.metrics.MetricsCalculator;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.state.ObjectCatalog;
import io.pgpulse.processor.state.SourceState;
import io.pgpulse.processor.state.StateWriter;
import io.pgpulse.processor.window.WindowEdges;
import io.pgpulse.processor.window.WindowProcessor;
import io.pgpulse.processor.window.WindowSpec;
import io.pgpulse.schemas.serde.AvroJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * What this instance's state stores know about the fleet, read through interactive queries:
 * each source's latest status, its metrics (the open window so far, the last closed
 * tumbling and hopping windows, computed from the same state the windows come from), and the
 * alerts firing now. Only the sources of this instance's tasks; {@link FleetApi} asks the
 * other instances for theirs.
 */
public final class FleetState {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final KafkaStreams streams;
    private final WindowSpec windows;
    private final MetricsCalculator calculator;
    private final HostInfo self;

    /** @param self where this instance answers (its {@code application.server}), or null when it runs alone */
    public FleetState(KafkaStreams streams, WindowSpec windows, MetricsCalculator calculator, HostInfo self) {
        this.streams = streams;
        this.windows = windows;
        this.calculator = calculator;
        this.self = self;
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name, Integer partition) {
        StoreQueryParameters<ReadOnlyKeyValueStore<String, byte[]>> query =
                StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore());
        return streams.store(partition == null ? query : query.withPartition(partition));
    }

    /** Every local source's status, ordered by id. */
    public List<ObjectNode> sources() {
        ReadOnlyKeyValueStore<String, byte[]> books = store(AlertLifecycleProcessor.BOOK_STORE, null);
        List<ObjectNode> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store(CounterDeltaProcessor.SOURCE_STORE, null).all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                byte[] book = books.get(entry.key);
                int firing = book == null ? 0 : AlertLifecycleProcessor.firingAlerts(book).size();
                out.add(summary(SourceState.readHeader(entry.value), firing));
            }
        }
        out.sort(Comparator.comparing(n -> n.path("source_id").asText()));
        return out;
    }

    /** The alerts firing now on local sources, oldest first. */
    public List<Alert> firing() {
        List<Alert> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store(AlertLifecycleProcessor.BOOK_STORE, null).all()) {
            while (it.hasNext()) {
                out.addAll(AlertLifecycleProcessor.firingAlerts(it.next().value));
            }
        }
        out.sort(Comparator.comparing(Alert::getStartsAt).thenComparing(Alert::getFingerprint));
        return out;
    }

    /** The instance that owns {@code sourceId}, when it is another one. */
    public Optional<HostInfo> ownerOf(String sourceId) {
        if (self == null) {
            return Optional.empty();
        }
        KeyQueryMetadata metadata = streams.queryMetadataForKey(CounterDeltaProcessor.SOURCE_STORE, sourceId,
                new StringSerializer());
        HostInfo owner = metadata == null ? null : metadata.activeHost();
        if (owner == null || owner.equals(HostInfo.unavailable()) || owner.equals(self)) {
            return Optional.empty();
        }
        return Optional.of(owner);
    }

    /** The other instances of the application, which hold the other sources. */
    public List<HostInfo> others() {
        if (self == null) {
            return List.of();
        }
        List<HostInfo> out = new ArrayList<>();
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (!m.hostInfo().equals(self) && !m.hostInfo().equals(HostInfo.unavailable())) {
                out.add(m.hostInfo());
            }
        }
        return out;
    }

    /** One local source in detail, or empty when this instance does not know it. */
    public Optional<ObjectNode> source(String sourceId) {
        Integer partition = null;
        if (self != null) {
            KeyQueryMetadata metadata = streams.queryMetadataForKey(CounterDeltaProcessor.SOURCE_STORE, sourceId,
                    new StringSerializer());
            if (metadata != null && metadata.partition() >= 0) {
                partition = metadata.partition();
            }
        }
        WindowEdges edges = new WindowEdges(store(CounterDeltaProcessor.SOURCE_STORE, partition),
                store(CounterDeltaProcessor.OBJECT_STORE, partition), store(WindowProcessor.CHECKPOINT_STORE, partition),
                store(WindowProcessor.OBJECT_CHECKPOINT_STORE, partition));
        SourceState current = edges.current(sourceId, true);
        if (current == null) {
            return Optional.empty();
        }
        byte[] book = store(AlertLifecycleProcessor.BOOK_STORE, partition).get(sourceId);
        List<Alert> firing = book == null ? List.of() : AlertLifecycleProcessor.firingAlerts(book);
        byte[] catalogBytes = store(CounterDeltaProcessor.NAMES_STORE, partition).get(sourceId);
        MetricsFrame.Names names = FrameNames.of(catalogBytes == null ? ObjectCatalog.empty() : ObjectCatalog.read(catalogBytes));

        ObjectNode node = JSON.objectNode();
        node.set("source", summary(new SourceState.Header(current.sourceId, current.lastSeenMs, current.tags,
                current.intervalMs, current.seen, current.up, current.error), firing.size()));
        node.set("firing", AvroJson.of(firing));
        ObjectNode metrics = node.putObject("metrics");
        long t = windows.tumblingMs();
        long openStart = Math.floorDiv(current.lastSeenMs, t) * t;
        SourceState openBase = edges.before(sourceId, openStart, true);
        metrics.set("current", AvroJson.of(DerivedMetricsWriter.toAvro(calculator.frame(MetricsFrame.Kind.TUMBLING,
                openBase, current, openStart, openStart + t, t, t, names, true))));
        // Windows whose end plus grace the source's own latest snapshot passed are certainly closed.
        long closedEnd = Math.floorDiv(current.lastSeenMs - windows.graceMs(), t) * t;
        metrics.set("tumbling", window(edges, sourceId, closedEnd, t, t, MetricsFrame.Kind.TUMBLING, names));
        if (windows.hasHopping()) {
            long a = windows.advanceMs();
            long hopEnd = Math.floorDiv(current.lastSeenMs - windows.graceMs(), a) * a;
            metrics.set("hopping", window(edges, sourceId, hopEnd, windows.hoppingMs(), a, MetricsFrame.Kind.HOPPING,
                    names));
        }
        return Optional.of(node);
    }

    private com.fasterxml.jackson.databind.JsonNode window(WindowEdges edges, String source, long end, long size,
                                                            long advance, MetricsFrame.Kind kind, MetricsFrame.Names names) {
        boolean objects = kind == MetricsFrame.Kind.TUMBLING;
        SourceState last = edges.before(source, end, objects);
        SourceState first = edges.before(source, end - size, objects);
        if (last.seen <= first.seen) {
            return JSON.nullNode();
        }
        return AvroJson.of(DerivedMetricsWriter.toAvro(calculator.frame(kind, first, last, end - size, end, size, advance,
                names, objects)));
    }

    private static ObjectNode summary(SourceState.Header h, int firing) {
        ObjectNode node = JSON.objectNode();
        node.put("source_id", h.sourceId());
        node.put("up", h.up());
        node.put("last_snapshot_at", h.lastSeenMs() == StateWriter.NONE ? null : Instant.ofEpochMilli(h.lastSeenMs()).toString());
        node.put("interval_ms", h.intervalMs());
        node.put("snapshots", h.seen());
        node.put("firing_alerts", firing);
        node.set("tags", AvroJson.of(h.tags()));
        node.put("error", h.error());
        return node;
    }
}
