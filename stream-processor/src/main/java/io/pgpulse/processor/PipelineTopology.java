package io.pgpulse.processor;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.processor.alert.AlertLifecycleProcessor;
import io.pgpulse.processor.alert.LifecycleInput;
import io.pgpulse.processor.alert.RemediationFollowUp;
import io.pgpulse.processor.delta.CounterDeltaProcessor;
import io.pgpulse.processor.metrics.MetricsEncoder;
import io.pgpulse.processor.metrics.MetricsCalculator;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.processor.serde.StateSerde;
import io.pgpulse.processor.snapshot.SnapshotColumns;
import io.pgpulse.processor.snapshot.SnapshotDecoder;
import io.pgpulse.processor.window.WindowProcessor;
import io.pgpulse.processor.window.WindowSpec;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole stream-processing graph, in the order of DESIGN.md's flow:
 * snapshots → decode (undecodable → DLQ) → counter deltas → windows → metrics;
 * metrics of every snapshot and window, commands and command results → rules and alert
 * lifecycle → alerts.
 *
 * <p>Snapshots stay keyed by source id from start to end, so all state of a source lives in
 * the task that owns its partition. Commands are keyed by source id too (same partitioning);
 * only command results (keyed by command id) are re-keyed by source to join them.
 * Every stateful step has a fixed name; generated names would change when the graph is
 * edited and the state would be lost.
 */
public final class PipelineTopology {

    /** How the state stores keep their data locally; both are changelogged and restored from Kafka. */
    public enum StoreKind {
        /** RocksDB on local disk: state larger than memory, quick restarts from the local copy. */
        PERSISTENT,
        /** Heap only: fastest, restored from the changelogs at every start. */
        IN_MEMORY
    }

    /**
     * @param windows             the tumbling and hopping windows and their grace
     * @param remediationPatience how long an incident may keep firing after its remediation ran before
     *                            it is escalated
     * @param slowStatementMs     a statement whose mean time in a window exceeds this is slow
     * @param silenceCheck        how often (wall clock) sources are checked for silence
     * @param closeBudget         windows closed at most per snapshot; the rest on the next ones or at
     *                            {@code drainInterval}
     * @param closeSpread         how far past its end plus grace a window's close may be put off, by a fixed
     *                            offset per source: windows are aligned, so without it every source's windows
     *                            fall due in the same instant, and closing one costs about a snapshot's work;
     *                            that wave of closes made the snapshots behind it wait seconds even at half the
     *                            peak load. Zero closes every window as soon as grace has passed; at most one
     *                            pane (by default a third of a pane, at most 20 s)
     * @param drainInterval       how often (wall clock) windows due but over budget are closed
     * @param stores              where the state stores keep their data
     * @param stateCacheSources   sources per task whose decoded state is also kept in memory (about 90 KB each
     *                            for a database of 200 tables and 400 indexes); 0 for none
     */
    public record Settings(WindowSpec windows, Duration remediationPatience, double slowStatementMs,
                           Duration silenceCheck, int closeBudget, Duration closeSpread, Duration drainInterval,
                           StoreKind stores, int stateCacheSources) {

        public static final double DEFAULT_SLOW_STATEMENT_MS = 100;
        public static final Duration DEFAULT_SILENCE_CHECK = Duration.ofSeconds(1);
        public static final int DEFAULT_CLOSE_BUDGET = 2;
        public static final Duration MAX_DEFAULT_CLOSE_SPREAD = Duration.ofSeconds(20);
        public static final Duration DEFAULT_DRAIN_INTERVAL = Duration.ofSeconds(1);
        public static final int DEFAULT_STATE_CACHE_SOURCES = 1000;

        public Settings {
            Objects.requireNonNull(windows, "windows");
            Objects.requireNonNull(remediationPatience, "remediationPatience");
            Objects.requireNonNull(silenceCheck, "silenceCheck");
            Objects.requireNonNull(drainInterval, "drainInterval");
            Objects.requireNonNull(closeSpread, "closeSpread");
            if (closeSpread.isNegative() || closeSpread.toMillis() >= windows.paneMs()) {
                throw new IllegalArgumentException("closeSpread must be at least 0 and less than a pane ("
                        + windows.paneMs() + " ms), found " + closeSpread.toMillis() + " ms");
            }
            Objects.requireNonNull(stores, "stores");
            if (stateCacheSources < 0) {
                throw new IllegalArgumentException("stateCacheSources must not be negative, found " + stateCacheSources);
            }
        }

        /** Tumbling windows of {@code window}, hopping windows five times as long starting every {@code window}. */
        public Settings(Duration window, Duration grace) {
            this(window, grace, RemediationFollowUp.DEFAULT_PATIENCE);
        }

        /** As {@link #Settings(Duration, Duration)}, with the default close spread for those windows. */
        public Settings(Duration window, Duration grace, Duration remediationPatience) {
            this(new WindowSpec(window, window.multipliedBy(5), window, grace), remediationPatience,
                    DEFAULT_SLOW_STATEMENT_MS, DEFAULT_SILENCE_CHECK, DEFAULT_CLOSE_BUDGET,
                    defaultCloseSpread(new WindowSpec(window, window.multipliedBy(5), window, grace)),
                    DEFAULT_DRAIN_INTERVAL, StoreKind.PERSISTENT, DEFAULT_STATE_CACHE_SOURCES);
        }

        /** 1-minute tumbling windows, 5-minute hopping windows every minute, 30 s grace. */
        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(1), Duration.ofSeconds(30));
        }

        /** A third of a pane, at most {@link #MAX_DEFAULT_CLOSE_SPREAD}. */
        public static Duration defaultCloseSpread(WindowSpec windows) {
            return Duration.ofMillis(Math.min(MAX_DEFAULT_CLOSE_SPREAD.toMillis(), windows.paneMs() / 3));
        }

        public Settings withStores(StoreKind kind) {
            return new Settings(windows, remediationPatience, slowStatementMs, silenceCheck, closeBudget, closeSpread,
                    drainInterval, kind, stateCacheSources);
        }

        /** The same with windows closed as soon as grace has passed (tests that step stream time exactly). */
        public Settings withCloseSpread(Duration spread) {
            return new Settings(windows, remediationPatience, slowStatementMs, silenceCheck, closeBudget, spread,
                    drainInterval, stores, stateCacheSources);
        }
    }

    private PipelineTopology() {
    }

    public static Topology build(Topics topics, Settings settings, RuleSet rules, AvroSerdes serdes) {
        Serde<String> keys = Serdes.String();
        Serde<byte[]> bytes = Serdes.ByteArray();
        StreamsBuilder builder = new StreamsBuilder();
        WindowSpec windows = settings.windows();

        // 1. Snapshots arrive as bytes and are decoded here, so that one that does not
        //    decode goes to the dead-letter topic with its reason instead of stopping the app.
        //    They are read straight into columns (SnapshotDecoder), not into Avro objects.
        RecordDecoder<SnapshotColumns> snapshotDecoder = new RecordDecoder<>("a snapshot",
                new SnapshotDecoder(serdes.registry()), (source, snapshot) -> source != null && source.equals(snapshot.sourceId)
                        ? null : "record key '" + source + "' does not match source_id '" + snapshot.sourceId + "'");
        Map<String, KStream<String, RecordDecoder.Decoded<SnapshotColumns>>> decoded = builder
                .stream(topics.snapshots(), Consumed.with(keys, bytes).withName("snapshots"))
                .mapValues((source, raw) -> snapshotDecoder.decode(topics.snapshots(), source, raw), Named.as("decode"))
                .split(Named.as("decode-"))
                .branch((source, result) -> result.ok(), Branched.as("ok"))
                .defaultBranch(Branched.as("failed"));
        decoded.get("decode-failed")
                .processValues(DeadLetterHeaders<SnapshotColumns>::new, Named.as("dead-letter-headers"))
                .to(topics.deadLetters(), Produced.with(keys, bytes).withName("dead-letters"));

        // 2. Each snapshot → its source's state: counters as last reported and their monotonic
        //    sums (stores: source-state, object-state, object-names; all keyed by source id).
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, CounterDeltaProcessor.SOURCE_STORE), keys, bytes));
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, CounterDeltaProcessor.OBJECT_STORE), keys, bytes));
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, CounterDeltaProcessor.NAMES_STORE), keys, bytes));
        long namesRetentionMs = windows.longestMs() + windows.graceMs() + 2 * windows.paneMs();
        KStream<String, io.pgpulse.processor.delta.SourceStep> steps = decoded.get("decode-ok")
                .mapValues(RecordDecoder.Decoded::value, Named.as("decoded-snapshots"))
                .processValues(() -> new CounterDeltaProcessor(namesRetentionMs, settings.stateCacheSources()),
                        Named.as("counter-deltas"),
                        CounterDeltaProcessor.SOURCE_STORE, CounterDeltaProcessor.OBJECT_STORE, CounterDeltaProcessor.NAMES_STORE);

        // 3. Metrics of every snapshot, and of every closed window: tumbling windows of
        //    windows.tumbling() and hopping windows of windows.hopping() every windows.advance(),
        //    by event time (collected_at), still keyed by source. A snapshot up to
        //    windows.grace() late still counts; each window is emitted once, when stream time
        //    passes its end plus grace (stores: window-checkpoints, window-object-checkpoints,
        //    window-schedule, window-clock).
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, WindowProcessor.CHECKPOINT_STORE), keys, bytes));
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, WindowProcessor.OBJECT_CHECKPOINT_STORE), keys, bytes));
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, WindowProcessor.SCHEDULE_STORE), keys, bytes));
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, WindowProcessor.CLOCK_STORE), keys, Serdes.Long())
                .withCachingEnabled());
        MetricsCalculator calculator = new MetricsCalculator(settings.slowStatementMs());
        // Windows are written as DerivedMetrics straight from their columns (checked against the
        // ordinary serializer on the first one).
        MetricsEncoder metricsEncoder = new MetricsEncoder(serdes.serializer(DerivedMetrics.class), topics.metrics());
        KStream<String, MetricsFrame> frames = steps.process(() -> new WindowProcessor(windows, calculator,
                        settings.closeBudget(), settings.closeSpread(), settings.drainInterval(), settings.stateCacheSources()),
                Named.as("windows"),
                CounterDeltaProcessor.SOURCE_STORE, CounterDeltaProcessor.OBJECT_STORE, CounterDeltaProcessor.NAMES_STORE,
                WindowProcessor.CHECKPOINT_STORE, WindowProcessor.OBJECT_CHECKPOINT_STORE, WindowProcessor.SCHEDULE_STORE,
                WindowProcessor.CLOCK_STORE);
        frames.filter((source, frame) -> frame.kind != MetricsFrame.Kind.SNAPSHOT, Named.as("closed-windows"))
                .mapValues(metricsEncoder::encode, Named.as("derive-metrics"))
                .to(topics.metrics(), Produced.with(keys, bytes).withName("metrics"));

        // 4. Maintenance commands, keyed by source id like the snapshots (no re-key), decoded
        //    the same way (undecodable → DLQ): a resolution waits for the result of a command
        //    issued for its incident.
        RecordDecoder<MaintenanceCommand> commandDecoder = new RecordDecoder<>("a maintenance command",
                serdes.deserializer(MaintenanceCommand.class), (source, command) -> source != null
                        && source.equals(command.getSourceId()) ? null
                        : "record key '" + source + "' does not match source_id '" + command.getSourceId() + "'");
        Map<String, KStream<String, RecordDecoder.Decoded<MaintenanceCommand>>> decodedCommands = builder
                .stream(topics.commands(), Consumed.with(keys, bytes).withName("commands"))
                .mapValues((source, raw) -> commandDecoder.decode(topics.commands(), source, raw), Named.as("decode-command"))
                .split(Named.as("decode-command-"))
                .branch((source, result) -> result.ok(), Branched.as("ok"))
                .defaultBranch(Branched.as("failed"));
        decodedCommands.get("decode-command-failed")
                .processValues(DeadLetterHeaders<MaintenanceCommand>::new, Named.as("command-dead-letter-headers"))
                .to(topics.deadLetters(), Produced.with(keys, bytes).withName("command-dead-letters"));
        KStream<String, LifecycleInput> commands = decodedCommands.get("decode-command-ok")
                .mapValues(d -> LifecycleInput.of(d.value()), Named.as("command-input"));

        // 5. Results of maintenance commands, keyed by command id, decoded like snapshots
        //    (undecodable → DLQ), then re-keyed by source id (repartition "results-by-source")
        //    so that each source's results meet its alerts in the same task.
        RecordDecoder<CommandResult> resultDecoder = new RecordDecoder<>("a command result",
                serdes.deserializer(CommandResult.class), (commandId, result) -> commandId != null
                        && commandId.equals(result.getCommandId()) ? null
                        : "record key '" + commandId + "' does not match command_id '" + result.getCommandId() + "'");
        Map<String, KStream<String, RecordDecoder.Decoded<CommandResult>>> decodedResults = builder
                .stream(topics.commandResults(), Consumed.with(keys, bytes).withName("command-results"))
                .mapValues((id, raw) -> resultDecoder.decode(topics.commandResults(), id, raw), Named.as("decode-result"))
                .split(Named.as("decode-result-"))
                .branch((id, result) -> result.ok(), Branched.as("ok"))
                .defaultBranch(Branched.as("failed"));
        decodedResults.get("decode-result-failed")
                .processValues(DeadLetterHeaders<CommandResult>::new, Named.as("result-dead-letter-headers"))
                .to(topics.deadLetters(), Produced.with(keys, bytes).withName("result-dead-letters"));
        KStream<String, LifecycleInput> results = decodedResults.get("decode-result-ok")
                .mapValues(RecordDecoder.Decoded::value, Named.as("decoded-results"))
                .selectKey((id, result) -> result.getSourceId(), Named.as("result-source"))
                .repartition(Repartitioned.with(keys, new StateSerde<>(CommandResult.class)).withName("results-by-source"))
                .mapValues(LifecycleInput::of, Named.as("result-input"));

        // 6. Rules over every snapshot's and window's metrics, commands and results → alert
        //    lifecycle (store: alert-book, keyed by source id) → FIRING / RESOLVED events keyed
        //    by fingerprint. The lifecycle also reads source-state, to know the sources whose
        //    silence it watches after a restart.
        builder.addStateStore(Stores.keyValueStoreBuilder(store(settings, AlertLifecycleProcessor.BOOK_STORE), keys, bytes));
        RemediationFollowUp followUp = new RemediationFollowUp(settings.remediationPatience());
        frames.mapValues(LifecycleInput::of, Named.as("frame-input"))
                .merge(commands, Named.as("frames-and-commands"))
                .merge(results, Named.as("lifecycle-inputs"))
                .process(() -> new AlertLifecycleProcessor(rules, followUp, settings.silenceCheck()), Named.as("alert-lifecycle"),
                        AlertLifecycleProcessor.BOOK_STORE, CounterDeltaProcessor.SOURCE_STORE)
                .to(topics.alerts(), Produced.with(keys, serdes.value(Alert.class)).withName("alerts"));

        return builder.build();
    }

    private static KeyValueBytesStoreSupplier store(Settings settings, String name) {
        return settings.stores() == StoreKind.IN_MEMORY ? Stores.inMemoryKeyValueStore(name)
                : Stores.persistentKeyValueStore(name);
    }
}
