package io.pgpulse.collector.publish;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes snapshots to the snapshots topic, keyed by source id so that each
 * database's snapshots stay in order on one partition. The producer is idempotent:
 * its retries never duplicate a snapshot.
 */
public final class SnapshotPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);

    private final Producer<String, PgSnapshot> producer;
    private final String topic;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    public SnapshotPublisher(String bootstrapServers, AvroSerdes serdes, String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "pgpulse-collector-snapshots",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                new StringSerializer(), serdes.serializer(PgSnapshot.class));
    }

    public void publish(PgSnapshot snapshot) {
        producer.send(new ProducerRecord<>(topic, null, snapshot.getCollectedAt().toEpochMilli(),
                snapshot.getSourceId(), snapshot), (metadata, error) -> {
                    if (error == null) {
                        published.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        log.warn("{}: snapshot not delivered: {}", snapshot.getSourceId(), error.toString());
                    }
                });
    }

    public long published() {
        return published.get();
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
