package io.pgpulse.sink.remediation;

import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.schemas.serde.AvroDeserializer;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of commands this installation already published, so that a sink that
 * restarts and reads an alert again does not ask for the same maintenance twice.
 * The commands topic is the ledger (command ids are derived from the incident, so the
 * same incident always yields the same id); it is read up to its end at start.
 *
 * <p>Reads: the commands topic. Writes: nothing.
 */
public final class IssuedCommands {

    private static final Logger log = LoggerFactory.getLogger(IssuedCommands.class);
    private static final int MAX_IDS = 200_000;

    private final Set<String> ids = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_IDS;
        }
    }));

    public boolean contains(String commandId) {
        return ids.contains(commandId);
    }

    public void add(String commandId) {
        ids.add(commandId);
    }

    public int size() {
        return ids.size();
    }

    /** Reads every command on {@code commandsTopic} up to its current end; one that does not decode is skipped. */
    public static IssuedCommands load(String bootstrapServers, String commandsTopic,
                                      AvroDeserializer<MaintenanceCommand> commands) {
        IssuedCommands issued = new IssuedCommands();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(commandsTopic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        continue;
                    }
                    try {
                        issued.add(commands.deserialize(record.topic(), record.value()).getCommandId());
                    } catch (SerializationException e) {
                        log.warn("unreadable command on {}-{} at offset {}: {}", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
            }
        }
        log.info("{} commands already issued (read from {})", issued.size(), commandsTopic);
        return issued;
    }
}
