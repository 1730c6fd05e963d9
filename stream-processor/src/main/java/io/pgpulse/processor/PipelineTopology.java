package io.pgpulse.processor;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.processor.alert.AlertLifecycleProcessor;
import io.pgpulse.processor.alert.LifecycleInput;
import io.pgpulse.processor.alert.RemediationFollowUp;
import io.pgpulse.processor.alert.RuleEvaluator;
import io.pgpulse.processor.delta.CounterDeltaProcessor;
import io.pgpulse.processor.internal.Deltas;
import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.processor.serde.StateSerde;
import io.pgpulse.processor.window.MetricsCalculator;
import io.pgpulse.processor.window.WindowTotals;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole stream-processing graph, in the order of DESIGN.md's flow:
 * snapshots → decode (undecodable → DLQ) → counter deltas → windows → metrics;
 * metrics and command results → rules and remediation follow-up → alert lifecycle → alerts.
 *
 * <p>Snapshots stay keyed by source id from start to end, so each source's state lives
 * in the task that owns its partition; only command results (keyed by command id) are
 * re-keyed by source to join it.
 * Every stateful step has a fixed name; generated names would change when the
 * graph is edited and the state would be lost.
 */
public final class PipelineTopology {

    /** Store of the windows being summed. */
    public static final String WINDOW_STORE = "window-totals";

    /**
     * @param window              size of the tumbling windows metrics are computed over
     * @param grace               how long after a window's end a late snapshot is still counted in it
     * @param remediationPatience how long an incident may keep firing after its remediation ran before
     *                            it is escalated
     */
    public record Settings(Duration window, Duration grace, Duration remediationPatience) {

        public Settings(Duration window, Duration grace) {
            this(window, grace, RemediationFollowUp.DEFAULT_PATIENCE);
        }

        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(1), Duration.ofSeconds(30));
        }
    }

    private PipelineTopology() {
    }

    public static Topology build(Topics topics, Settings settings, RuleSet rules, AvroSerdes serdes) {
        Serde<String> keys = Serdes.String();
        Serde<Deltas> deltaSerde = new StateSerde<>(Deltas.class);
        Serde<DerivedMetrics> metricsSerde = serdes.value(DerivedMetrics.class);
        Serde<Alert> alertSerde = serdes.value(Alert.class);
        StreamsBuilder builder = new StreamsBuilder();

        // 1. Snapshots arrive as bytes and are decoded here, so that one that does not
        //    decode goes to the dead-letter topic with its reason instead of stopping the app.
        RecordDecoder<PgSnapshot> snapshotDecoder = new RecordDecoder<>("a snapshot",
                serdes.deserializer(PgSnapshot.class), (source, snapshot) -> source != null && source.equals(snapshot.getSourceId())
                        ? null : "record key '" + source + "' does not match source_id '" + snapshot.getSourceId() + "'");
        Map<String, KStream<String, RecordDecoder.Decoded<PgSnapshot>>> decoded = builder
                .stream(topics.snapshots(), Consumed.with(keys, Serdes.ByteArray()).withName("snapshots"))
                .mapValues((source, raw) -> snapshotDecoder.decode(topics.snapshots(), source, raw), Named.as("decode"))
                .split(Named.as("decode-"))
                .branch((source, result) -> result.ok(), Branched.as("ok"))
                .defaultBranch(Branched.as("failed"));
        decoded.get("decode-failed")
                .processValues(DeadLetterHeaders<PgSnapshot>::new, Named.as("dead-letter-headers"))
                .to(topics.deadLetters(), Produced.with(keys, Serdes.ByteArray()).withName("dead-letters"));

        // 2. Cumulative counters → deltas since the source's previous snapshot (store: last snapshot per source).
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CounterDeltaProcessor.STORE), keys, new StateSerde<>(PgSnapshot.class)));
        KStream<String, Deltas> deltas = decoded.get("decode-ok")
                .mapValues(RecordDecoder.Decoded::value, Named.as("decoded-snapshots"))
                .processValues(CounterDeltaProcessor::new, Named.as("counter-deltas"), CounterDeltaProcessor.STORE);

        // 3. Tumbling windows of settings.window by event time (collected_at), still keyed by
        //    source; a snapshot up to settings.grace late is counted; each window is emitted
        //    once, when stream time passes its end plus grace.
        KStream<String, DerivedMetrics> metrics = deltas
                .groupByKey(Grouped.with("by-source", keys, deltaSerde))
                .windowedBy(TimeWindows.ofSizeAndGrace(settings.window(), settings.grace()))
                .emitStrategy(EmitStrategy.onWindowClose())
                .aggregate(() -> WindowTotals.empty(""), (source, next, total) -> WindowTotals.add(total, next),
                        Named.as("window-totals"),
                        Materialized.<String, Deltas>as(Stores.persistentTimestampedWindowStore(WINDOW_STORE,
                                        settings.window().plus(settings.grace()), settings.window(), false))
                                .withKeySerde(keys).withValueSerde(deltaSerde))
                .toStream(Named.as("closed-windows"))
                .map((window, totals) -> KeyValue.pair(window.key(),
                        MetricsCalculator.toMetrics(totals, window.window().startTime(), window.window().endTime())),
                        Named.as("derive-metrics"));
        metrics.to(topics.metrics(), Produced.with(keys, metricsSerde).withName("metrics"));

        // 4. Results of maintenance commands, keyed by command id, decoded like snapshots
        //    (undecodable → DLQ), then re-keyed by source id (repartition "results-by-source")
        //    so that each source's results meet its alerts in the same task.
        RecordDecoder<CommandResult> resultDecoder = new RecordDecoder<>("a command result",
                serdes.deserializer(CommandResult.class), (commandId, result) -> commandId != null
                        && commandId.equals(result.getCommandId()) ? null
                        : "record key '" + commandId + "' does not match command_id '" + result.getCommandId() + "'");
        Map<String, KStream<String, RecordDecoder.Decoded<CommandResult>>> decodedResults = builder
                .stream(topics.commandResults(), Consumed.with(keys, Serdes.ByteArray()).withName("command-results"))
                .mapValues((id, raw) -> resultDecoder.decode(topics.commandResults(), id, raw), Named.as("decode-result"))
                .split(Named.as("decode-result-"))
                .branch((id, result) -> result.ok(), Branched.as("ok"))
                .defaultBranch(Branched.as("failed"));
        decodedResults.get("decode-result-failed")
                .processValues(DeadLetterHeaders<CommandResult>::new, Named.as("result-dead-letter-headers"))
                .to(topics.deadLetters(), Produced.with(keys, Serdes.ByteArray()).withName("result-dead-letters"));
        KStream<String, LifecycleInput> results = decodedResults.get("decode-result-ok")
                .mapValues(RecordDecoder.Decoded::value, Named.as("decoded-results"))
                .selectKey((id, result) -> result.getSourceId(), Named.as("result-source"))
                .repartition(Repartitioned.with(keys, new StateSerde<>(CommandResult.class)).withName("results-by-source"))
                .mapValues(LifecycleInput::of, Named.as("result-input"));

        // 5. Rules over each window, and command results → alert lifecycle (stores: pending,
        //    firing, remediation of open incidents) → FIRING / RESOLVED events keyed by fingerprint.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AlertLifecycleProcessor.PENDING_STORE), keys, Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AlertLifecycleProcessor.FIRING_STORE), keys, new StateSerde<>(Alert.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(AlertLifecycleProcessor.REMEDIATION_STORE), keys,
                new StateSerde<>(CommandResult.class)));
        RuleEvaluator evaluator = new RuleEvaluator(rules);
        RemediationFollowUp followUp = new RemediationFollowUp(settings.remediationPatience());
        metrics.mapValues(LifecycleInput::of, Named.as("window-input"))
                .merge(results, Named.as("lifecycle-inputs"))
                .process(() -> new AlertLifecycleProcessor(evaluator, followUp), Named.as("alert-lifecycle"),
                        AlertLifecycleProcessor.PENDING_STORE, AlertLifecycleProcessor.FIRING_STORE,
                        AlertLifecycleProcessor.REMEDIATION_STORE)
                .to(topics.alerts(), Produced.with(keys, alertSerde).withName("alerts"));

        return builder.build();
    }
}
