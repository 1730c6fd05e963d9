package io.pgpulse.sink;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.sink.remediation.IssuedCommands;
import io.pgpulse.sink.remediation.RemediationPlanner;
import io.pgpulse.sink.remediation.RetentionScheduler;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads alert events and asks for the maintenance the remediation policy names.
 * Reads: the alerts topic (and, at start, the commands topic, to know what was asked
 * before). Writes: the commands topic. An event's offset is committed only after its
 * command was written, and never past an alert whose remediation is held (window
 * closed, rate limit, kill switch), so a restart does not forget it. People are told by the channels, each fed by a
 * consumer group of its own ({@link io.pgpulse.sink.routing.Notifications}), so that a
 * channel that is down delays neither the others nor remediation.
 */
public final class AlertSink implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AlertSink.class);

    /** Observers a launcher can hang progress output on: an alert once read, a command once published. */
    public record Listener(Consumer<Alert> onAlert, Consumer<MaintenanceCommand> onCommand) {
        public static Listener quiet() {
            return new Listener(a -> { }, c -> { });
        }
    }

    private final KafkaConsumer<String, Alert> consumer;
    private final KafkaProducer<String, MaintenanceCommand> producer;
    private final Optional<RemediationPlanner> remediation;
    private final Optional<RetentionScheduler> retention;
    private final KafkaConsumer<String, DerivedMetrics> metrics;
    private final String commandsTopic;
    private final Listener listener;
    private final Thread thread;
    /** Where each held alert was read: offsets are not committed past it. */
    private final Map<String, TopicPartitionOffset> heldAt = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private volatile boolean running = true;
    private boolean closed;

    public AlertSink(String bootstrapServers, String registryUrl, Topics topics, String groupId,
                     Optional<RemediationPlanner> remediation, Listener listener) {
        this(bootstrapServers, registryUrl, topics, groupId, remediation, Optional.empty(), listener);
    }

    /**
     * @param retention the policy's scheduled old-row cleanups; when active, the metrics topic is read too
     *                  (group {@code <groupId>-retention}) to learn which sources have the tables
     */
    public AlertSink(String bootstrapServers, String registryUrl, Topics topics, String groupId,
                     Optional<RemediationPlanner> remediation, Optional<RetentionScheduler> retention, Listener listener) {
        AvroSerdes serdes = new AvroSerdes(registryUrl);
        this.remediation = remediation;
        this.retention = retention.filter(RetentionScheduler::active);
        this.commandsTopic = topics.commands();
        this.listener = listener;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), serdes.deserializer(Alert.class));
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "pgpulse-alert-sink-commands",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), serdes.serializer(MaintenanceCommand.class));
        if (remediation.isPresent() || this.retention.isPresent()) {
            IssuedCommands issued = IssuedCommands.load(bootstrapServers, topics.commands(),
                    serdes.deserializer(MaintenanceCommand.class));
            remediation.ifPresent(planner -> planner.rememberIssued(issued));
            this.retention.ifPresent(scheduler -> scheduler.rememberIssued(issued));
        }
        if (this.retention.isPresent()) {
            // Only fresh windows matter for a schedule: a new group starts at the end.
            this.metrics = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.GROUP_ID_CONFIG, groupId + "-retention",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), serdes.deserializer(DerivedMetrics.class));
            metrics.subscribe(List.of(topics.metrics()));
        } else {
            this.metrics = null;
        }
        consumer.subscribe(List.of(topics.alerts()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                forgetHeld(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // Reading starts at the committed offsets, which never pass a held alert.
            }
        });
        this.thread = new Thread(this, "pgpulse-alert-sink");
    }

    public void start() {
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (running) {
                try {
                    ConsumerRecords<String, Alert> records = consumer.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<String, Alert> record : records) {
                        handle(record);
                    }
                    // Held remediation (window closed, rate limit, kill switch) goes out once allowed.
                    if (remediation.isPresent()) {
                        for (MaintenanceCommand command : remediation.get().due()) {
                            publish(command);
                        }
                    }
                    commit();
                    if (metrics != null) {
                        scheduleRetention();
                    }
                } catch (RecordDeserializationException e) {
                    log.error("unreadable alert on {} at offset {}: {}; skipped", e.topicPartition(), e.offset(),
                            e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close();
            if (metrics != null) {
                metrics.close();
            }
        }
    }

    private void handle(ConsumerRecord<String, Alert> record) throws InterruptedException {
        Alert alert = record.value();
        if (alert == null) {
            return;
        }
        listener.onAlert().accept(alert);
        if (remediation.isPresent()) {
            Optional<MaintenanceCommand> command = remediation.get().onAlert(alert);
            if (command.isPresent()) {
                publish(command.get());
            }
            if (remediation.get().isHeld(alert.getFingerprint())) {
                heldAt.putIfAbsent(alert.getFingerprint(), new TopicPartitionOffset(
                        new TopicPartition(record.topic(), record.partition()), record.offset()));
            }
        }
    }

    /**
     * Commits what was read, but never past a held alert: held remediation lives in memory,
     * so after a restart the alert is read again and waits for its window once more (the
     * commands already published are known from the commands topic and not asked twice).
     */
    private void commit() {
        heldAt.keySet().removeIf(fingerprint -> remediation.isEmpty() || !remediation.get().isHeld(fingerprint));
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
            long safe = consumer.position(partition);
            for (TopicPartitionOffset held : heldAt.values()) {
                if (held.partition().equals(partition)) {
                    safe = Math.min(safe, held.offset());
                }
            }
            if (!Long.valueOf(safe).equals(committed.get(partition))) {
                offsets.put(partition, new OffsetAndMetadata(safe));
            }
        }
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
            offsets.forEach((partition, offset) -> committed.put(partition, offset.offset()));
        }
    }

    private void forgetHeld(Collection<TopicPartition> partitions) {
        heldAt.entrySet().removeIf(entry -> {
            if (partitions.contains(entry.getValue().partition())) {
                remediation.ifPresent(planner -> planner.forget(entry.getKey()));
                return true;
            }
            return false;
        });
        partitions.forEach(committed::remove);
    }

    private record TopicPartitionOffset(TopicPartition partition, long offset) {
    }

    private void scheduleRetention() throws InterruptedException {
        try {
            for (ConsumerRecord<String, DerivedMetrics> record : metrics.poll(Duration.ZERO)) {
                if (record.value() != null) {
                    for (MaintenanceCommand command : retention.get().onMetrics(record.value())) {
                        publish(command);
                    }
                }
            }
        } catch (RecordDeserializationException e) {
            log.error("unreadable metrics on {} at offset {}: {}; skipped", e.topicPartition(), e.offset(), e.getMessage());
            metrics.seek(e.topicPartition(), e.offset() + 1);
        }
    }

    private void publish(MaintenanceCommand command) throws InterruptedException {
        try {
            producer.send(new ProducerRecord<>(commandsTopic, command.getSourceId(), command)).get();
            listener.onCommand().accept(command);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot publish command " + command.getCommandId(), e.getCause());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        consumer.wakeup();
        if (metrics != null) {
            metrics.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
    }
}
