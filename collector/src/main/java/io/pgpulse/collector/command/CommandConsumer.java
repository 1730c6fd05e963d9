package io.pgpulse.collector.command;

import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the commands topic, hands the commands for this agent's databases to the
 * {@link CommandExecutor} one at a time (so never two maintenance operations at once
 * on a database), and publishes every outcome to the command-results topic. A command
 * that met a lock timeout is tried again after the delay the executor asks for.
 * Offsets are committed only after the result is written, so a crash redelivers the
 * command and the executor's ledger refuses the replay.
 */
public final class CommandConsumer implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommandConsumer.class);

    private final KafkaConsumer<String, MaintenanceCommand> consumer;
    private final KafkaProducer<String, CommandResult> producer;
    private final CommandExecutor executor;
    private final String resultsTopic;
    private final Consumer<CommandResult> onResult;
    private final PriorityQueue<Retry> retries = new PriorityQueue<>(Comparator.comparing(Retry::due));
    private volatile boolean running = true;

    private record Retry(MaintenanceCommand command, int attempt, Instant due) {
    }

    public CommandConsumer(String bootstrapServers, AvroSerdes serdes, String groupId, String commandsTopic,
                           String resultsTopic, CommandExecutor executor, Consumer<CommandResult> onResult) {
        this.executor = executor;
        this.resultsTopic = resultsTopic;
        this.onResult = onResult;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                // A maintenance statement may run for a long time between polls.
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Duration.ofMinutes(45).toMillis(),
                ConsumerConfig.CONNECTIONS_MAX_IDLE_MS_CONFIG, Duration.ofMinutes(50).toMillis(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10),
                new StringDeserializer(), serdes.deserializer(MaintenanceCommand.class));
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "pgpulse-collector-results",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), serdes.serializer(CommandResult.class));
        consumer.subscribe(List.of(commandsTopic));
    }

    @Override
    public void run() {
        try {
            while (running) {
                try {
                    for (ConsumerRecord<String, MaintenanceCommand> record : consumer.poll(Duration.ofMillis(500))) {
                        if (record.value() != null && executor.handles(record.value())) {
                            handle(record.value(), 1);
                        }
                    }
                    consumer.commitSync();
                    while (!retries.isEmpty() && !retries.peek().due().isAfter(Instant.now())) {
                        Retry retry = retries.poll();
                        handle(retry.command(), retry.attempt());
                    }
                } catch (RecordDeserializationException e) {
                    // Not a command we can read: say so and step over it rather than stop taking commands.
                    log.error("unreadable record on {} at offset {}: {}; skipped", e.topicPartition(), e.offset(),
                            e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
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

    private void handle(MaintenanceCommand command, int attempt) {
        CommandExecutor.Outcome outcome = executor.execute(command, attempt);
        CommandResult result = outcome.result();
        if (!outcome.isFinal()) {
            retries.add(new Retry(command, attempt + 1, Instant.now().plus(outcome.retryAfter())));
        }
        try {
            producer.send(new ProducerRecord<>(resultsTopic, result.getCommandId(), result)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing the result of " + result.getCommandId(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot publish the result of " + result.getCommandId(), e.getCause());
        }
        onResult.accept(result);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }

    /** Closes the producer once the loop has ended. */
    public void closeProducer() {
        producer.close();
    }
}
