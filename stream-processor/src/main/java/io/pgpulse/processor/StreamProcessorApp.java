package io.pgpulse.processor;

import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link PipelineTopology} with exactly-once processing: reads the
 * snapshots topic, writes the metrics, alerts and dead-letter topics.
 */
public final class StreamProcessorApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamProcessorApp.class);

    /**
     * @param bootstrapServers Kafka
     * @param registryUrl      schema registry
     * @param topics           topic names
     * @param applicationId    Kafka Streams application id (consumer group and internal topic prefix)
     * @param stateDir         where the local state stores live
     * @param settings         window size and grace
     * @param rules            the alerting rules
     * @param standbyReplicas  warm copies of each state store on other instances
     */
    public record Config(String bootstrapServers, String registryUrl, Topics topics, String applicationId,
                         Path stateDir, PipelineTopology.Settings settings, RuleSet rules, int standbyReplicas) {
    }

    private final KafkaStreams streams;
    private boolean closed;

    public StreamProcessorApp(Config config) {
        Topology topology = PipelineTopology.build(config.topics(), config.settings(), config.rules(),
                new AvroSerdes(config.registryUrl()));
        this.streams = new KafkaStreams(topology, streamsConfig(config));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("stream processor thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    public static Properties streamsConfig(Config config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        // Refuse to start if any internal topic or store name was generated (KIP-1111).
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return props;
    }

    public void start() {
        streams.start();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        streams.close(Duration.ofSeconds(30));
    }
}
