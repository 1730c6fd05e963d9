package io.pgpulse.processor;

import io.pgpulse.processor.fleet.FleetApi;
import io.pgpulse.processor.fleet.FleetState;
import io.pgpulse.processor.metrics.MetricsCalculator;
import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link PipelineTopology} with exactly-once processing ({@code exactly_once_v2}):
 * reads the snapshots, commands and command-results topics, writes the metrics, alerts and
 * dead-letter topics, and serves the fleet's state over HTTP ({@link FleetApi}) when given
 * an address. A restart resumes from the changelogs of its stores; standby replicas keep warm
 * copies on other instances so that a failover does not wait for a full restore.
 */
public final class StreamProcessorApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamProcessorApp.class);

    /** Standby replicas unless configured: none (one instance is the common case). */
    public static final int DEFAULT_STANDBY_REPLICAS = 0;

    /**
     * @param bootstrapServers Kafka
     * @param registryUrl      schema registry
     * @param topics           topic names
     * @param applicationId    Kafka Streams application id (consumer group and internal topic prefix)
     * @param stateDir         where the local state stores live
     * @param settings         windows, grace and the rest of the topology's settings
     * @param rules            the alerting rules
     * @param standbyReplicas  warm copies of each state store on other instances
     * @param apiAddress       where the fleet API listens (port 0: any free port), or null for none
     * @param streamsOverrides further Kafka Streams settings (threads, commit interval, ...), applied last
     */
    public record Config(String bootstrapServers, String registryUrl, Topics topics, String applicationId,
                         Path stateDir, PipelineTopology.Settings settings, RuleSet rules, int standbyReplicas,
                         InetSocketAddress apiAddress, Map<String, Object> streamsOverrides) {

        public Config {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(applicationId, "applicationId");
            Objects.requireNonNull(stateDir, "stateDir");
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(rules, "rules");
            if (standbyReplicas < 0) {
                throw new IllegalArgumentException("standbyReplicas must not be negative, found " + standbyReplicas);
            }
            streamsOverrides = streamsOverrides == null ? Map.of() : Map.copyOf(streamsOverrides);
        }

        /** Without the fleet API and without overrides. */
        public Config(String bootstrapServers, String registryUrl, Topics topics, String applicationId, Path stateDir,
                      PipelineTopology.Settings settings, RuleSet rules, int standbyReplicas) {
            this(bootstrapServers, registryUrl, topics, applicationId, stateDir, settings, rules, standbyReplicas, null,
                    Map.of());
        }
    }

    private final KafkaStreams streams;
    private final FleetApi api;
    private boolean closed;

    public StreamProcessorApp(Config config) {
        Topology topology = PipelineTopology.build(config.topics(), config.settings(), config.rules(),
                new AvroSerdes(config.registryUrl()));
        FleetApi listening = null;
        if (config.apiAddress() != null) {
            try {
                listening = FleetApi.listen(config.apiAddress());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen for the fleet API on " + config.apiAddress() + ": "
                        + e.getMessage(), e);
            }
        }
        this.api = listening;
        HostInfo self = api == null ? null : new HostInfo(advertisedHost(api.address()), api.address().getPort());
        this.streams = new KafkaStreams(topology, streamsConfig(config, self));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("stream processor thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        if (api != null) {
            FleetState state = new FleetState(streams, config.settings().windows(),
                    new MetricsCalculator(config.settings().slowStatementMs()), self);
            api.serve(() -> state);
        }
    }

    public static Properties streamsConfig(Config config) {
        return streamsConfig(config, null);
    }

    static Properties streamsConfig(Config config, HostInfo self) {
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
        // A source's state is tens of kilobytes and changes with every snapshot: with the default
        // 16 KB batches each changelog record would travel (and be validated by the broker) alone.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 1_048_576);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), 8_388_608);
        // Every fetch response lands in one buffer of its size: kept at 4 MB, under the size G1 treats
        // as a humongous object with the launcher's 16 MB regions (see ./pgpulse), as each humongous
        // allocation may start a concurrent marking of the whole heap. Snapshots are about 50 KB, so a
        // fetch still carries dozens.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), 4 * 1_048_576);
        if (self != null) {
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        }
        props.putAll(config.streamsOverrides());
        return props;
    }

    private static String advertisedHost(InetSocketAddress address) {
        String host = address.getHostString();
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    public void start() {
        streams.start();
        apiUrl().ifPresent(url -> log.info("fleet API at {} (GET /fleet, /sources/{{id}}, /alerts)", url));
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Where the fleet API answers, if it runs. */
    public Optional<URI> apiUrl() {
        return api == null ? Optional.empty() : Optional.of(api.url());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (api != null) {
            api.close();
        }
        streams.close(Duration.ofSeconds(30));
    }
}
