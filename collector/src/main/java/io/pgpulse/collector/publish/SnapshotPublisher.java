package io.pgpulse.collector.publish;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.selfmetrics.AgentMetrics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes snapshots to the snapshots topic, keyed by source id so that each
 * database's snapshots stay in order on one partition, through a bounded buffer that
 * rides out a Kafka outage.
 *
 * <p>{@link #publish} never blocks the collector: the snapshot joins the buffer, and
 * one sender thread hands snapshots to an idempotent producer (its retries never
 * duplicate a snapshot), at most {@code maxInFlight} at a time. While Kafka is
 * unreachable the buffer fills; when it is full the oldest snapshot is dropped, the
 * gap is counted per source (self-metric and {@code dropped_before} on that source's next
 * snapshot) and logged, so it is never silent. Snapshots the producer gave up on go back
 * to the front of the buffer in their original order and are sent again when Kafka
 * answers. {@link #close} flushes what it can within its timeout.
 */
public final class SnapshotPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);

    /** Snapshots buffered at most by default: 200 targets for ten minutes at a 10 s interval. */
    public static final int DEFAULT_CAPACITY = 12_000;
    public static final Duration DEFAULT_FLUSH_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private record Entry(long sequence, PgSnapshot snapshot) {
    }

    private final Producer<String, PgSnapshot> producer;
    private final String topic;
    private final int capacity;
    private final int maxInFlight;
    private final AgentMetrics metrics;
    private final Deque<Entry> buffer = new ArrayDeque<>();
    private final List<Entry> failedInFlight = new ArrayList<>();
    private final Map<String, Long> pendingGap = new HashMap<>();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failedSends = new AtomicLong();
    private final Thread sender;
    private long sequence;
    private int inFlight;
    private long resumeAtNanos = System.nanoTime();
    private boolean closing;
    private boolean dropWarned;

    public SnapshotPublisher(String bootstrapServers, AvroSerdes serdes, String topic) {
        this(bootstrapServers, serdes, topic, DEFAULT_CAPACITY, new AgentMetrics());
    }

    public SnapshotPublisher(String bootstrapServers, AvroSerdes serdes, String topic, int capacity, AgentMetrics metrics) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, found " + capacity);
        }
        this.topic = topic;
        this.capacity = capacity;
        this.maxInFlight = Math.max(1, Math.min(capacity, 1000));
        this.metrics = metrics;
        Serializer<PgSnapshot> avro = serdes.serializer(PgSnapshot.class);
        Serializer<PgSnapshot> measured = (t, snapshot) -> {
            byte[] bytes = avro.serialize(t, snapshot);
            metrics.snapshotSerialized(snapshot.getSourceId(), bytes.length);
            return bytes;
        };
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "pgpulse-collector-snapshots",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                // An unreachable broker must not hold the sender for long: fail, re-buffer, try again.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000),
                new StringSerializer(), measured);
        metrics.bufferDepth(this::depth);
        this.sender = new Thread(this::sendLoop, "pgpulse-snapshot-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /** Buffers a snapshot for sending; never blocks. When the buffer is full the oldest one is dropped. */
    public void publish(PgSnapshot snapshot) {
        synchronized (this) {
            if (closing) {
                log.warn("{}: snapshot after close, not published", snapshot.getSourceId());
                return;
            }
            if (buffer.size() >= capacity) {
                Entry oldest = buffer.pollFirst();
                String source = oldest.snapshot().getSourceId();
                pendingGap.merge(source, 1L, Long::sum);
                long total = dropped.incrementAndGet();
                metrics.snapshotDropped(source);
                if (!dropWarned) {
                    dropWarned = true;
                    log.warn("publish buffer full ({} snapshots; Kafka unreachable?): dropping the oldest, counted per "
                            + "source in dropped_before and pgpulse_collector_snapshots_dropped_total", capacity);
                } else if (total % 1000 == 0) {
                    log.warn("{} snapshots dropped so far while Kafka is unreachable", total);
                }
            }
            buffer.addLast(new Entry(sequence++, snapshot));
            notifyAll();
        }
    }

    private void sendLoop() {
        while (true) {
            Entry next;
            synchronized (this) {
                // After a failure nothing new goes out until the failed ones are back at the front: order per source.
                while (!closing && (buffer.isEmpty() || inFlight >= maxInFlight || !failedInFlight.isEmpty()
                        || System.nanoTime() < resumeAtNanos)) {
                    long pause = (resumeAtNanos - System.nanoTime()) / 1_000_000;
                    waitQuietly(pause > 0 ? pause : 1_000);
                }
                if (closing) {
                    return;
                }
                next = buffer.pollFirst();
                Long gap = pendingGap.remove(next.snapshot().getSourceId());
                if (gap != null) {
                    PgSnapshot s = next.snapshot();
                    s.setDroppedBefore(s.getDroppedBefore() == null ? gap : s.getDroppedBefore() + gap);
                }
                inFlight++;
            }
            send(next);
        }
    }

    private void send(Entry entry) {
        PgSnapshot snapshot = entry.snapshot();
        try {
            producer.send(new ProducerRecord<>(topic, null, snapshot.getCollectedAt().toEpochMilli(),
                    snapshot.getSourceId(), snapshot), (metadata, error) -> delivered(entry, error));
        } catch (RuntimeException e) {
            // Metadata not available within max.block.ms (the broker is gone): back into the buffer.
            delivered(entry, e);
        }
    }

    private synchronized void delivered(Entry entry, Exception error) {
        inFlight--;
        if (error == null) {
            published.incrementAndGet();
            metrics.snapshotDelivered(entry.snapshot().getSourceId());
            if (dropWarned && buffer.isEmpty()) {
                log.info("Kafka reachable again; publish buffer drained ({} snapshots dropped in all)", dropped.get());
                dropWarned = false;
            }
        } else {
            if (failedSends.incrementAndGet() == 1 || failedSends.get() % 100 == 0) {
                log.warn("{}: snapshot not delivered yet ({}); kept in the buffer and sent again", entry.snapshot().getSourceId(),
                        error.toString());
            }
            failedInFlight.add(entry);
        }
        if (inFlight == 0 && !failedInFlight.isEmpty()) {
            // Back to the front, oldest first, so each source's snapshots keep their order.
            failedInFlight.sort(Comparator.comparingLong(Entry::sequence).reversed());
            for (Entry failed : failedInFlight) {
                if (buffer.size() >= capacity) {
                    pendingGap.merge(failed.snapshot().getSourceId(), 1L, Long::sum);
                    dropped.incrementAndGet();
                    metrics.snapshotDropped(failed.snapshot().getSourceId());
                    continue;
                }
                buffer.addFirst(failed);
            }
            failedInFlight.clear();
            // Give the broker a moment before the next round of sends (this runs on the producer's thread: no waiting here).
            resumeAtNanos = System.nanoTime() + RETRY_PAUSE.toNanos();
        }
        notifyAll();
    }

    private void waitQuietly(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    /** Snapshots acknowledged by Kafka. */
    public long published() {
        return published.get();
    }

    /** Snapshots dropped from the full buffer. */
    public long dropped() {
        return dropped.get();
    }

    /** Failed send attempts (each retried). */
    public long failed() {
        return failedSends.get();
    }

    /** Snapshots waiting in the buffer or in flight. */
    public synchronized int depth() {
        return buffer.size() + inFlight + failedInFlight.size();
    }

    /** Sends what is buffered (waiting at most {@code timeout}), then closes the producer. Idempotent. */
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            if (closing && !sender.isAlive()) {
                return;
            }
            while (depth() > 0 && System.nanoTime() < deadline) {
                waitQuietly(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            }
            closing = true;
            notifyAll();
        }
        try {
            sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofMillis(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
        int left = depth();
        if (left > 0) {
            log.warn("publisher closed with {} snapshots undelivered (Kafka unreachable for the last {})", left, timeout);
        }
    }

    @Override
    public void close() {
        close(DEFAULT_FLUSH_TIMEOUT);
    }
}
