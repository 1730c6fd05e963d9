package io.pgpulse.sink.history;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.kafka.PollingThreads;
import io.pgpulse.schemas.serde.AvroDeserializer;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every alert event, maintenance command and command result into the
 * {@link HistoryStore}, with a consumer group of its own ({@code <group prefix>-history}):
 * routing, silences and inhibition do not apply, the history keeps everything. A batch's
 * offsets are committed after its rows are; while PostgreSQL is unreachable the recorder
 * goes back to the committed offsets and tries again later, so events wait in Kafka. A
 * record that does not decode is logged with its topic and offset and skipped (the
 * history is a copy; the original stays on its topic). Deletes rows past the retention
 * once at start and then every {@link #PURGE_EVERY}.
 *
 * <p>Reads: the alerts, commands and command-results topics. Writes: the history tables.
 */
public final class HistoryRecorder implements Runnable, AutoCloseable {

    public static final Duration PURGE_EVERY = Duration.ofHours(1);

    private static final Logger log = LoggerFactory.getLogger(HistoryRecorder.class);
    private static final Duration RETRY_MAX = Duration.ofSeconds(30);

    private final HistoryStore store;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Topics topics;
    private final AvroDeserializer<Alert> alertReader;
    private final AvroDeserializer<MaintenanceCommand> commandReader;
    private final AvroDeserializer<CommandResult> resultReader;
    private final Clock clock;
    private final Thread thread;
    private Instant nextPurge = Instant.MIN;
    private volatile boolean running = true;
    private boolean closed;

    public HistoryRecorder(String bootstrapServers, AvroSerdes serdes, Topics topics, String groupPrefix,
                           HistoryStore store, Clock clock) {
        this.store = store;
        this.topics = topics;
        this.alertReader = serdes.deserializer(Alert.class);
        this.commandReader = serdes.deserializer(MaintenanceCommand.class);
        this.resultReader = serdes.deserializer(CommandResult.class);
        this.clock = clock;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + "-history",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this, "pgpulse-history");
    }

    /** Creates the tables if missing (so a bad database is refused at start), then starts recording. */
    public void start() throws SQLException {
        store.ensureSchema();
        consumer.subscribe(List.of(topics.alerts(), topics.commands(), topics.commandResults()));
        thread.start();
    }

    @Override
    public void run() {
        Duration retry = Duration.ofSeconds(1);
        try {
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                    List<Alert> alerts = new ArrayList<>();
                    for (ConsumerRecord<String, byte[]> record : records) {
                        record(record, alerts);
                    }
                    if (!alerts.isEmpty()) {
                        store.recordAlerts(alerts);
                    }
                    if (!records.isEmpty()) {
                        consumer.commitSync();
                    }
                    purgeWhenDue();
                    retry = Duration.ofSeconds(1);
                } catch (SQLException e) {
                    log.warn("history: cannot write to PostgreSQL ({}, SQLSTATE {}); events wait in Kafka, retrying in {} s",
                            e.getMessage(), e.getSQLState(), retry.toSeconds());
                    rewind();
                    Thread.sleep(retry.toMillis());
                    retry = retry.multipliedBy(2).compareTo(RETRY_MAX) > 0 ? RETRY_MAX : retry.multipliedBy(2);
                }
            }
        } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close();
        }
    }

    /** Commands and results are written at once; alert events are collected into one batch. */
    private void record(ConsumerRecord<String, byte[]> record, List<Alert> alerts) throws SQLException {
        if (record.value() == null) {
            return;
        }
        String topic = record.topic();
        try {
            if (topic.equals(topics.alerts())) {
                alerts.add(alertReader.deserialize(topic, record.value()));
            } else if (topic.equals(topics.commands())) {
                store.recordCommand(commandReader.deserialize(topic, record.value()));
            } else if (topic.equals(topics.commandResults())) {
                store.recordResult(resultReader.deserialize(topic, record.value()));
            }
        } catch (SerializationException e) {
            log.error("history: unreadable record on {}-{} at offset {}: {}; not recorded", topic, record.partition(),
                    record.offset(), e.getMessage());
        }
    }

    private void purgeWhenDue() throws SQLException {
        Instant now = clock.instant();
        if (now.isBefore(nextPurge)) {
            return;
        }
        int deleted = store.purge(now);
        if (deleted > 0) {
            log.info("history: deleted {} rows older than {}", deleted, store.retention());
        }
        nextPurge = now.plus(PURGE_EVERY);
    }

    private void rewind() {
        var assigned = consumer.assignment();
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (var partition : assigned) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset == null) {
                consumer.seekToBeginning(List.of(partition));
            } else {
                consumer.seek(partition, offset.offset());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        PollingThreads.stop(thread, consumer);
        store.close();
    }
}
