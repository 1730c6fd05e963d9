package io.pgpulse.schemas.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.kafka.PollingThreads;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet-wide kill switch for remediation. Its state is the latest record under
 * key {@value #KEY} of the compacted control topic, so every alert sink and every
 * executor, wherever it runs, follows it within a poll interval, and a process that
 * starts later reads it before acting. Paused means: no new command is issued and no
 * command is executed.
 */
public final class RemediationSwitch implements AutoCloseable {

    public static final String KEY = "remediation";

    private static final Logger log = LoggerFactory.getLogger(RemediationSwitch.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The switch's position, who set it, when and why. */
    public record State(boolean paused, String by, Instant at, String reason) {
        static State initial() {
            return new State(false, null, null, "never set: remediation follows its configuration");
        }

        @Override
        public String toString() {
            return (paused ? "PAUSED" : "running") + (at == null ? "" : " since " + at + " by " + by)
                    + (reason == null ? "" : " (" + reason + ")");
        }
    }

    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile State state = State.initial();
    private volatile boolean running = true;
    private boolean closed;

    private RemediationSwitch(String bootstrapServers, Topics topics) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "pgpulse-switch-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer());
        TopicPartition partition = new TopicPartition(topics.control(), 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        thread = new Thread(() -> follow(partition), "pgpulse-remediation-switch");
        thread.setDaemon(true);
    }

    /** Follows the switch; returns once the current state has been read (or after {@code wait}). */
    public static RemediationSwitch follow(String bootstrapServers, Topics topics, Duration wait) {
        RemediationSwitch sw = new RemediationSwitch(bootstrapServers, topics);
        sw.thread.start();
        try {
            if (!sw.caughtUp.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("remediation switch: could not read {} within {}; treating remediation as paused until it is read",
                        topics.control(), wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return sw;
    }

    /** Whether remediation is paused; also true while the switch has not been read yet (fail safe). */
    public boolean paused() {
        return caughtUp.getCount() > 0 || state.paused();
    }

    public State state() {
        return state;
    }

    /** Sets the switch for the whole fleet. */
    public static State set(String bootstrapServers, Topics topics, boolean paused, String by, String reason) {
        State next = new State(paused, by, Instant.now(), reason);
        ObjectNode value = JSON.createObjectNode()
                .put("paused", paused).put("by", by).put("at", next.at().toString()).put("reason", reason);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topics.control(), 0, KEY, value.toString())).get(30, TimeUnit.SECONDS);
            return next;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot write the remediation switch to " + topics.control() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the remediation switch", e);
        }
    }

    private void follow(TopicPartition partition) {
        try {
            while (running) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (KEY.equals(record.key()) && record.value() != null) {
                        apply(record.value());
                    }
                }
                if (caughtUp.getCount() > 0) {
                    long end = consumer.endOffsets(List.of(partition)).get(partition);
                    if (consumer.position(partition) >= end) {
                        caughtUp.countDown();
                    }
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

    private void apply(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            State next = new State(node.path("paused").asBoolean(true), node.path("by").asText(null),
                    node.hasNonNull("at") ? Instant.parse(node.get("at").asText()) : null, node.path("reason").asText(null));
            if (next.paused() != state.paused()) {
                log.warn("remediation {}", next);
            }
            state = next;
        } catch (IOException | RuntimeException e) {
            // An unreadable switch must not be read as "go": stay paused and say why.
            state = new State(true, null, Instant.now(), "unreadable switch record: " + e.getMessage());
            log.error("remediation switch record unreadable, treating remediation as paused: {}", e.getMessage());
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
    }
}
