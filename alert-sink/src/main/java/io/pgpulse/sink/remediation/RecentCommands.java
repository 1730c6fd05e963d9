package io.pgpulse.sink.remediation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.kafka.PollingThreads;
import io.pgpulse.schemas.serde.AvroDeserializer;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recent maintenance commands of the fleet with what became of each, for
 * {@code GET /commands}: read from the commands and command-results topics, from
 * {@code lookback} ago on, by a consumer without a group (every sink instance sees
 * everything; nothing is committed). At most {@code capacity} commands are kept, the
 * oldest forgotten first, so memory stays bounded on a large fleet.
 *
 * <p>Reads: the commands and command-results topics. Writes: nothing.
 */
public final class RecentCommands implements Runnable, AutoCloseable {

    public static final Duration DEFAULT_LOOKBACK = Duration.ofHours(24);
    public static final int DEFAULT_CAPACITY = 1_000;
    /** Outcomes kept per command: a lock-timeout retry adds one each time. */
    private static final int RESULTS_PER_COMMAND = 10;

    private static final Logger log = LoggerFactory.getLogger(RecentCommands.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One command as far as it is known: the request (null if only results were seen) and its outcomes, oldest first. */
    record Entry(MaintenanceCommand command, List<CommandResult> results) {
    }

    private final Topics topics;
    private final int capacity;
    private final Duration lookback;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<MaintenanceCommand> commandReader;
    private final AvroDeserializer<CommandResult> resultReader;
    private final Map<String, Entry> entries;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean closed;

    public RecentCommands(String bootstrapServers, AvroSerdes serdes, Topics topics, Duration lookback, int capacity,
                          Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, found " + capacity);
        }
        this.topics = topics;
        this.capacity = capacity;
        this.lookback = lookback;
        this.clock = clock;
        this.commandReader = serdes.deserializer(MaintenanceCommand.class);
        this.resultReader = serdes.deserializer(CommandResult.class);
        this.entries = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > RecentCommands.this.capacity;
            }
        };
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.CLIENT_ID_CONFIG, "pgpulse-recent-commands"),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this, "pgpulse-recent-commands");
    }

    /** Assigns every partition of both topics from {@code lookback} ago (resolved now, so nothing after start is missed). */
    public void start() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.commands(), topics.commandResults())) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        long since = clock.instant().minus(lookback).toEpochMilli();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, since));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp offset = found.get(partition);
            if (offset == null) {
                consumer.seekToEnd(List.of(partition));
                consumer.position(partition);
            } else {
                consumer.seek(partition, offset.offset());
            }
        }
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    take(record);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    private void take(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return;
        }
        try {
            if (record.topic().equals(topics.commands())) {
                add(commandReader.deserialize(record.topic(), record.value()));
            } else {
                add(resultReader.deserialize(record.topic(), record.value()));
            }
        } catch (SerializationException e) {
            log.warn("recent commands: unreadable record on {}-{} at offset {}: {}; not listed", record.topic(),
                    record.partition(), record.offset(), e.getMessage());
        }
    }

    void add(MaintenanceCommand command) {
        synchronized (entries) {
            Entry known = entries.get(command.getCommandId());
            entries.put(command.getCommandId(), new Entry(command, known == null ? List.of() : known.results()));
        }
    }

    void add(CommandResult result) {
        synchronized (entries) {
            Entry known = entries.get(result.getCommandId());
            List<CommandResult> results = new ArrayList<>(known == null ? List.of() : known.results());
            results.add(result);
            if (results.size() > RESULTS_PER_COMMAND) {
                results.remove(0);
            }
            entries.put(result.getCommandId(), new Entry(known == null ? null : known.command(), List.copyOf(results)));
        }
    }

    /**
     * The newest commands first, at most {@code limit}, only those of {@code sourceId} when it is not null.
     * Each as JSON: the request, {@code outcome} (the latest result's, or {@code PENDING}) and every outcome.
     */
    public ArrayNode toJson(String sourceId, int limit) {
        List<Entry> chosen = new ArrayList<>();
        synchronized (entries) {
            for (Entry entry : entries.values()) {
                if (sourceId == null || sourceId.equals(sourceOf(entry))) {
                    chosen.add(entry);
                }
            }
        }
        chosen.sort(Comparator.comparing(RecentCommands::lastHeardAt).reversed());
        ArrayNode out = JSON.createArrayNode();
        chosen.stream().limit(limit).forEach(entry -> out.add(view(entry)));
        return out;
    }

    private static String sourceOf(Entry entry) {
        return entry.command() != null ? entry.command().getSourceId() : entry.results().get(0).getSourceId();
    }

    private static Instant lastHeardAt(Entry entry) {
        if (!entry.results().isEmpty()) {
            return entry.results().get(entry.results().size() - 1).getFinishedAt();
        }
        return entry.command().getIssuedAt();
    }

    private static ObjectNode view(Entry entry) {
        ObjectNode node = JSON.createObjectNode();
        MaintenanceCommand command = entry.command();
        CommandResult latest = entry.results().isEmpty() ? null : entry.results().get(entry.results().size() - 1);
        node.put("commandId", command != null ? command.getCommandId() : latest.getCommandId());
        node.put("source", sourceOf(entry));
        node.put("action", (command != null ? command.getAction() : latest.getAction()).name());
        object(node.putObject("target"), command != null ? command.getTarget() : latest.getTarget());
        if (command != null) {
            node.put("reason", command.getReason());
            node.put("alertFingerprint", command.getAlertFingerprint());
            node.put("issuedAt", command.getIssuedAt().toString());
            node.put("expiresAt", command.getExpiresAt().toString());
            node.put("dryRun", command.getDryRun());
            node.put("keyId", command.getKeyId());
        }
        node.put("outcome", latest == null ? "PENDING" : latest.getOutcome().name());
        if (latest != null) {
            node.put("outcomeReason", latest.getReason());
            node.put("statement", latest.getStatement());
            node.put("finishedAt", latest.getFinishedAt().toString());
            state(node, "before", latest.getBefore());
            state(node, "after", latest.getAfter());
        }
        ArrayNode history = node.putArray("results");
        for (CommandResult result : entry.results()) {
            ObjectNode item = history.addObject();
            item.put("outcome", result.getOutcome().name());
            item.put("finishedAt", result.getFinishedAt().toString());
            item.put("reason", result.getReason());
        }
        return node;
    }

    private static void object(ObjectNode node, ObjectRef target) {
        node.put("kind", target.getKind().name().toLowerCase(Locale.ROOT));
        node.put("schema", target.getSchemaName());
        node.put("name", target.getName());
        node.put("oid", target.getOid());
    }

    private static void state(ObjectNode node, String field, ObjectState state) {
        if (state == null) {
            return;
        }
        ObjectNode out = node.putObject(field);
        out.put("nLiveTup", state.getNLiveTup());
        out.put("nDeadTup", state.getNDeadTup());
        out.put("sizeBytes", state.getSizeBytes());
        out.put("lastVacuum", state.getLastVacuum() == null ? null : state.getLastVacuum().toString());
        out.put("lastAnalyze", state.getLastAnalyze() == null ? null : state.getLastAnalyze().toString());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        PollingThreads.stop(thread, consumer);
    }
}
