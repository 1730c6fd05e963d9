package io.pgpulse.sink.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.kafka.PollingThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The silences, kept durably on a compacted topic ({@link Topics#silences()}: key the silence id,
 * value its JSON, a tombstone when deleted) so that every sink instance sees the same
 * ones and they survive restarts. Each instance reads the whole topic into memory on
 * start and follows it; writes go to the topic and return once this instance has read
 * them back, so a list right after a create shows it.
 */
public final class SilenceStore implements Muting, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SilenceStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final Clock clock;
    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> producer;
    private final Map<String, Silence> silences = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> readUpTo = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean running = true;
    private boolean closed;

    private SilenceStore(String bootstrapServers, String topic, Clock clock) {
        this.topic = topic;
        this.clock = clock;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer());
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer());
        this.reader = new Thread(this::follow, "pgpulse-silences");
        this.reader.setDaemon(true);
    }

    /** Creates the topic if missing, reads every silence in it, then keeps following it. */
    public static SilenceStore start(String bootstrapServers, Topics topics, Clock clock) {
        String topic = topics.silences();
        ensureTopic(bootstrapServers, topic);
        SilenceStore store = new SilenceStore(bootstrapServers, topic, clock);
        try {
            List<TopicPartition> partitions = store.partitions();
            store.consumer.assign(partitions);
            store.consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = store.consumer.endOffsets(partitions);
            store.reader.start();
            for (var partition : end.entrySet()) {
                store.awaitRead(partition.getKey(), partition.getValue());
            }
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** The topic's partitions; a topic created a moment ago may take a little while to show them. */
    private List<TopicPartition> partitions() {
        long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
        while (true) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (!partitions.isEmpty()) {
                return partitions;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("silences topic " + topic + " has no partitions after "
                        + WRITE_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while looking up " + topic, e);
            }
        }
    }

    private static void ensureTopic(String bootstrapServers, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            if (!existing.contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                        .all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("cannot create the silences topic " + topic + ": " + e.getCause().getMessage(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create the silences topic " + topic + ": no answer from " + bootstrapServers, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        }
    }

    private void follow() {
        try {
            while (running) {
                try {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                        apply(record);
                    }
                    for (TopicPartition partition : consumer.assignment()) {
                        readUpTo.put(partition, consumer.position(partition));
                    }
                } catch (org.apache.kafka.common.KafkaException e) {
                    if (e instanceof WakeupException || e instanceof org.apache.kafka.common.errors.InterruptException) {
                        throw e;
                    }
                    // Silences must keep following the topic; a broker hiccup is retried, not fatal.
                    log.warn("silences topic {}: {}; reading on", topic, e.toString());
                }
            }
        } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            if (running) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            silences.remove(record.key());
            return;
        }
        try {
            silences.put(record.key(), Silence.fromJson(JSON.readTree(record.value()), clock));
        } catch (Exception e) {
            // A record this version cannot read must not stop the others from being read.
            log.error("silences topic {}: record {} at offset {} unreadable, ignored: {}", topic, record.key(),
                    record.offset(), e.getMessage());
        }
    }

    /** Stores a silence (a new one, or a new version of one with the same id). */
    public Silence put(Silence silence) {
        write(silence.id(), silence.toJson().toString());
        return silence;
    }

    /** Deletes a silence; false when there is none with that id. */
    public boolean delete(String id) {
        if (!silences.containsKey(id)) {
            return false;
        }
        write(id, null);
        return true;
    }

    public Optional<Silence> get(String id) {
        return Optional.ofNullable(silences.get(id));
    }

    /** Every silence not deleted, by start time. */
    public List<Silence> list() {
        return silences.values().stream().sorted(Comparator.comparing(Silence::startsAt).thenComparing(Silence::id)).toList();
    }

    @Override
    public boolean silenced(Map<String, String> labels, Instant now) {
        for (Silence silence : silences.values()) {
            if (silence.mutes(labels, now)) {
                return true;
            }
        }
        return false;
    }

    private void write(String id, String json) {
        try {
            RecordMetadata written = producer.send(new ProducerRecord<>(topic, id, json))
                    .get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitRead(new TopicPartition(topic, written.partition()), written.offset() + 1);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write silence " + id + " to " + topic + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing silence " + id, e);
        }
    }

    private void awaitRead(TopicPartition partition, long offset) {
        long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
        while (readUpTo.getOrDefault(partition, -1L) < offset) {
            if (System.nanoTime() > deadline || !reader.isAlive()) {
                throw new IllegalStateException("silences topic " + topic + ": not read up to offset " + offset
                        + " of partition " + partition.partition() + " within " + WRITE_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading " + topic, e);
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
        PollingThreads.stop(reader, consumer);
        producer.close();
    }
}
