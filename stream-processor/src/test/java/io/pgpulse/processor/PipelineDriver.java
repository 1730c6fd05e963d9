package io.pgpulse.processor;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.schemas.serde.InMemorySchemaRegistry;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The production {@link PipelineTopology} in a {@link TopologyTestDriver}, with the
 * topics a test pipes into and reads from, serialized exactly as on a real broker.
 */
final class PipelineDriver implements AutoCloseable {

    static final Topics TOPICS = Topics.defaults();

    final AvroSerdes serdes = new AvroSerdes(new InMemorySchemaRegistry(), true);
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> snapshots;
    final TestInputTopic<String, byte[]> results;
    final TestInputTopic<String, byte[]> commands;
    final TestOutputTopic<String, DerivedMetrics> metrics;
    final TestOutputTopic<String, Alert> alerts;
    final TestOutputTopic<String, byte[]> deadLetters;

    PipelineDriver(PipelineTopology.Settings settings, Path stateDir) {
        this(settings, RuleSet.defaults(), stateDir);
    }

    PipelineDriver(PipelineTopology.Settings settings, RuleSet rules, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "pipeline-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // The wall clock starts at the fixtures' first collection time, so silence checks are reproducible.
        driver = new TopologyTestDriver(PipelineTopology.build(TOPICS, settings, rules, serdes), props,
                SnapshotFixtures.START);
        snapshots = driver.createInputTopic(TOPICS.snapshots(), new StringSerializer(), new ByteArraySerializer());
        results = driver.createInputTopic(TOPICS.commandResults(), new StringSerializer(), new ByteArraySerializer());
        commands = driver.createInputTopic(TOPICS.commands(), new StringSerializer(), new ByteArraySerializer());
        metrics = driver.createOutputTopic(TOPICS.metrics(), new StringDeserializer(),
                serdes.deserializer(DerivedMetrics.class));
        alerts = driver.createOutputTopic(TOPICS.alerts(), new StringDeserializer(), serdes.deserializer(Alert.class));
        deadLetters = driver.createOutputTopic(TOPICS.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    void pipe(PgSnapshot snapshot) {
        byte[] bytes = serdes.serializer(PgSnapshot.class).serialize(TOPICS.snapshots(), snapshot);
        snapshots.pipeInput(snapshot.getSourceId(), bytes, snapshot.getCollectedAt());
    }

    void pipe(CommandResult result) {
        byte[] bytes = serdes.serializer(CommandResult.class).serialize(TOPICS.commandResults(), result);
        results.pipeInput(result.getCommandId(), bytes, result.getFinishedAt());
    }

    void pipe(MaintenanceCommand command) {
        byte[] bytes = serdes.serializer(MaintenanceCommand.class).serialize(TOPICS.commands(), command);
        commands.pipeInput(command.getSourceId(), bytes, command.getIssuedAt());
    }

    @Override
    public void close() {
        driver.close();
    }
}
