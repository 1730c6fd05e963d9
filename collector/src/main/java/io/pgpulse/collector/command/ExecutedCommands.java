package io.pgpulse.collector.command;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of commands already taken, so that a replayed command is refused also after
 * an agent restart. The command-results topic is the ledger: every command taken has a
 * result there, keyed by its id, and it is kept longer than any command is valid, so
 * reading it at start up is enough; nothing is stored on the agent's disk.
 */
public final class ExecutedCommands {

    private static final Logger log = LoggerFactory.getLogger(ExecutedCommands.class);
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

    /** Reads every result on {@code resultsTopic} up to its current end. */
    public static ExecutedCommands load(String bootstrapServers, String resultsTopic) {
        ExecutedCommands executed = new ExecutedCommands();
        // Values are not decoded: the key is the command id, and an undecodable value must not hide it.
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "pgpulse-ledger-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(resultsTopic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null) {
                        executed.add(record.key());
                    }
                }
            }
        }
        log.info("{} command ids already taken (read from {})", executed.ids.size(), resultsTopic);
        return executed;
    }
}
