package io.pgpulse.registry;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's storage: the compacted topic {@value #TOPIC}, one record per subject version,
 * in the layout Confluent's registry uses (key {@code {"keytype":"SCHEMA","subject":..,"version":..}},
 * value with subject, version, id, schemaType and schema).
 *
 * <p>A reader thread consumes the topic from the beginning into a {@link SchemaCatalog} and
 * keeps following it. Writers {@link #append} and then wait until the reader has applied their
 * record, so an answer never refers to state the catalog does not show yet.
 */
final class SchemasTopic implements AutoCloseable {

    static final String TOPIC = "_schemas";

    private static final Logger LOG = LoggerFactory.getLogger(SchemasTopic.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final SchemaCatalog catalog;
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    /** Only asks for the end offset, from request threads; guarded by itself. */
    private final KafkaConsumer<String, String> offsets;
    private final TopicPartition partition = new TopicPartition(TOPIC, 0);
    private final Thread reader;
    private final Object progress = new Object();
    /** Offset of the next record the reader has not applied yet; guarded by {@link #progress}. */
    private long readPosition;
    /** Why the reader stopped, if it failed; guarded by {@link #progress}. */
    private RuntimeException readerFailure;
    private volatile boolean running = true;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SchemasTopic(SchemaCatalog catalog, KafkaProducer<String, String> producer,
            KafkaConsumer<String, String> consumer, KafkaConsumer<String, String> offsets) {
        this.catalog = catalog;
        this.producer = producer;
        this.consumer = consumer;
        this.offsets = offsets;
        this.reader = new Thread(this::readLoop, "schema-registry-reader");
        this.reader.setDaemon(true);
    }

    /** Creates the topic if needed, reads it to its current end into {@code catalog} and keeps following it. */
    static SchemasTopic open(String bootstrapServers, SchemaCatalog catalog, Duration timeout) throws IOException {
        ensureTopic(bootstrapServers);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(bootstrapServers));
        KafkaProducer<String, String> producer;
        KafkaConsumer<String, String> offsets;
        long end;
        try {
            consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
            consumer.seekToBeginning(consumer.assignment());
            end = consumer.endOffsets(consumer.assignment(), timeout).values().iterator().next();
            producer = new KafkaProducer<>(producerConfig(bootstrapServers));
            Properties offsetsConfig = consumerConfig(bootstrapServers);
            offsetsConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "pgpulse-schema-registry-offsets");
            offsets = new KafkaConsumer<>(offsetsConfig);
        } catch (KafkaException e) {
            consumer.close(Duration.ZERO);
            throw new IOException("Could not read " + TOPIC + " at " + bootstrapServers + ": " + e.getMessage(), e);
        }
        SchemasTopic topic = new SchemasTopic(catalog, producer, consumer, offsets);
        topic.reader.start();
        try {
            topic.awaitRead(end, timeout);
        } catch (RegistryException e) {
            topic.close();
            throw new IOException("Could not load " + TOPIC + ": " + e.getMessage(), e);
        }
        LOG.debug("Loaded {} records of {}", end, TOPIC);
        return topic;
    }

    /** Writes a claim for {@code version} and waits until the catalog has applied it (won or lost). */
    void append(SchemaVersion version, Duration timeout) {
        write(key(version), value(version), timeout);
    }

    private void write(String key, String value, Duration timeout) {
        RecordMetadata written;
        try {
            written = producer.send(new ProducerRecord<>(TOPIC, 0, key, value))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new RegistryException(RegistryException.STORE_ERROR,
                    "Error while registering the schema in " + TOPIC + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new RegistryException(RegistryException.STORE_TIMEOUT,
                    "Writing to " + TOPIC + " took longer than " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.STORE_ERROR, "Interrupted while writing to " + TOPIC, e);
        }
        awaitRead(written.offset() + 1, timeout);
    }

    /** Waits until the reader has applied every record before {@code offset}. */
    private void awaitRead(long offset, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (readPosition < offset) {
                if (readerFailure != null) {
                    throw new RegistryException(RegistryException.STORE_ERROR,
                            "The reader of " + TOPIC + " failed: " + readerFailure.getMessage(), readerFailure);
                }
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remainingMs <= 0) {
                    throw new RegistryException(RegistryException.STORE_TIMEOUT,
                            "Reading " + TOPIC + " up to offset " + offset + " took longer than " + timeout);
                }
                try {
                    progress.wait(remainingMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RegistryException(RegistryException.STORE_ERROR,
                            "Interrupted while reading " + TOPIC, e);
                }
            }
        }
    }

    private void readLoop() {
        try {
            while (running) {
                for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                    applyTo(catalog, record);
                }
                long position = consumer.position(partition);
                synchronized (progress) {
                    readPosition = position;
                    progress.notifyAll();
                }
            }
        } catch (WakeupException e) {
            LOG.debug("Reader of {} woken up to stop", TOPIC);
        } catch (RuntimeException e) {
            LOG.error("Reader of {} stopped", TOPIC, e);
            synchronized (progress) {
                readerFailure = e;
                progress.notifyAll();
            }
        } finally {
            consumer.close(Duration.ZERO);
        }
    }

    /**
     * Applies one record of the topic to {@code catalog}: a schema claim or a config change.
     * Records this registry does not use (Confluent's NOOP, DELETE_SUBJECT, deleted versions)
     * and records it cannot read are skipped, the latter logged, so that one bad record does
     * not take the registry down.
     */
    static void applyTo(SchemaCatalog catalog, ConsumerRecord<String, String> record) {
        try {
            JsonNode key = JSON.readTree(record.key() == null ? "{}" : record.key());
            String keyType = key.path("keytype").asText();
            if (keyType.equals("CONFIG")) {
                JsonNode subject = key.get("subject");
                JsonNode value = record.value() == null ? null : JSON.readTree(record.value());
                catalog.applyConfig(subject == null || subject.isNull() ? null : subject.asText(),
                        value == null || value.isNull() ? null
                                : CompatibilityLevel.parse(value.path("compatibilityLevel").asText()));
                return;
            }
            if (!keyType.equals("SCHEMA") || record.value() == null) {
                return;
            }
            JsonNode value = JSON.readTree(record.value());
            if (value.path("deleted").asBoolean(false)) {
                return;
            }
            SchemaVersion claim = new SchemaVersion(
                    value.get("subject").asText(),
                    value.get("version").asInt(),
                    value.get("id").asInt(),
                    value.get("schema").asText(),
                    value.path("schemaType").asText(SchemaVersion.AVRO));
            if (!catalog.apply(claim)) {
                LOG.debug("Claim at offset {} lost to an earlier one: {} v{} id {}", record.offset(),
                        claim.subject(), claim.version(), claim.id());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Skipping unreadable record at offset {} of {}: {}", record.offset(), TOPIC, e.toString());
        }
    }

    /**
     * The key of a claim. Confluent's layout plus the id: two registries racing for one
     * subject version write different keys, so compaction keeps both claims and a replay
     * still sees the first one win (see {@link SchemaCatalog}).
     */
    static String key(SchemaVersion version) {
        ObjectNode key = JSON.createObjectNode();
        key.put("keytype", "SCHEMA");
        key.put("subject", version.subject());
        key.put("version", version.version());
        key.put("id", version.id());
        key.put("magic", 1);
        return key.toString();
    }

    static String value(SchemaVersion version) {
        ObjectNode value = JSON.createObjectNode();
        value.put("subject", version.subject());
        value.put("version", version.version());
        value.put("id", version.id());
        value.put("schemaType", version.schemaType());
        value.put("schema", version.schema());
        value.put("deleted", false);
        return value.toString();
    }

    /** Writes a compatibility level for {@code subject} (null: the global one) and waits until it applies. */
    void appendConfig(String subject, CompatibilityLevel level, Duration timeout) {
        ObjectNode key = JSON.createObjectNode();
        key.put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        key.put("magic", 0);
        ObjectNode value = JSON.createObjectNode();
        value.put("compatibilityLevel", level.name());
        write(key.toString(), value.toString(), timeout);
    }

    /**
     * Waits until the catalog holds everything written to the topic so far, by this registry or
     * any other on the same topic.
     */
    void catchUp(Duration timeout) {
        long end;
        synchronized (offsets) {
            try {
                end = offsets.endOffsets(List.of(partition), timeout).get(partition);
            } catch (KafkaException e) {
                throw new RegistryException(RegistryException.STORE_ERROR,
                        "Could not read the end of " + TOPIC + ": " + e.getMessage(), e);
            }
        }
        awaitRead(end, timeout);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while waiting for the reader of {} to stop", TOPIC);
        }
        producer.close(Duration.ofSeconds(5));
        synchronized (offsets) {
            offsets.close(Duration.ZERO);
        }
    }

    private static void ensureTopic(String bootstrapServers) throws IOException {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "pgpulse-schema-registry-admin");
        try (Admin admin = Admin.create(config)) {
            // Replication factor left to the broker's default, so a production cluster keeps its own.
            NewTopic topic = new NewTopic(TOPIC, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact"));
            admin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created topic {}", TOPIC);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IOException("Could not create " + TOPIC + " at " + bootstrapServers + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
            LOG.debug("Topic {} exists already", TOPIC);
        } catch (TimeoutException e) {
            throw new IOException("Kafka at " + bootstrapServers + " did not create " + TOPIC + " within "
                    + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while creating " + TOPIC, e);
        }
    }

    private static Properties consumerConfig(String bootstrapServers) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "pgpulse-schema-registry-reader");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return config;
    }

    private static Properties producerConfig(String bootstrapServers) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "pgpulse-schema-registry-writer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return config;
    }
}
