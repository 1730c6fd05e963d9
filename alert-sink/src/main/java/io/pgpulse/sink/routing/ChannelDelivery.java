package io.pgpulse.sink.routing;

import io.pgpulse.avro.Alert;
import io.pgpulse.schemas.kafka.PollingThreads;
import io.pgpulse.schemas.serde.AvroDeserializer;
import io.pgpulse.sink.channel.Channel;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds one channel from the alerts topic with a consumer group of its own
 * ({@code <group prefix>-channel-<name>}), so a channel that is slow or down holds back
 * only itself. Every event goes through the routing tree; those routed to this channel
 * wait in {@link AlertGroups} until their group is due, and offsets are committed only
 * up to the earliest event a group has not told yet. While the channel fails, its
 * consumer is paused: the events wait in Kafka, not in memory, and when the channel is
 * back the groups retry and reading resumes where it stopped.
 *
 * <p>Reads: the alerts topic. Writes: nothing but its group's offsets.
 */
public final class ChannelDelivery implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChannelDelivery.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Channel channel;
    private final Route route;
    private final AlertGroups groups;
    private final KafkaConsumer<String, Alert> consumer;
    private final String topic;
    private final Clock clock;
    private final Thread thread;
    private final Map<TopicPartition, Long> readUpTo = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private volatile boolean rewind;
    private volatile boolean running = true;
    private boolean closed;

    /**
     * @param groupPrefix this sink's consumer group prefix; the channel's group is {@code <groupPrefix>-channel-<name>}
     */
    public ChannelDelivery(String bootstrapServers, AvroDeserializer<Alert> alerts, String topic, String groupPrefix,
                           Channel channel, RoutingConfig routing, Muting silences, Clock clock) {
        this.channel = channel;
        this.route = routing.route();
        this.topic = topic;
        this.clock = clock;
        this.groups = new AlertGroups(channel.resendInterval(), routing.inhibitRules(), silences);
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId(groupPrefix, channel.name()),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), alerts);
        this.thread = new Thread(this, "pgpulse-channel-" + channel.name());
    }

    public static String groupId(String groupPrefix, String channelName) {
        return groupPrefix + "-channel-" + channelName;
    }

    public String channelName() {
        return channel.name();
    }

    public void start() {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                rewind = true;
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // Read from the committed offsets, which is where a fresh assignment starts anyway.
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                rewind = true;
            }
        });
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (running) {
                read();
                tell();
                commit();
            }
        } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("channel {}: delivery stopped: {}", channel.name(), e.toString(), e);
            throw e;
        } finally {
            consumer.close();
        }
    }

    private void read() {
        var records = pollSkippingUnreadable();
        if (rewind) {
            // Partitions moved: what the groups hold is read again from the committed offsets.
            rewind = false;
            groups.clear();
            readUpTo.clear();
            committed.clear();
            var assigned = consumer.assignment();
            var offsets = consumer.committed(assigned);
            for (TopicPartition partition : assigned) {
                OffsetAndMetadata offset = offsets.get(partition);
                if (offset == null) {
                    consumer.seekToBeginning(List.of(partition));
                } else {
                    consumer.seek(partition, offset.offset());
                }
            }
            return;
        }
        Instant now = clock.instant();
        for (ConsumerRecord<String, Alert> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            readUpTo.put(partition, record.offset() + 1);
            Alert alert = record.value();
            if (alert == null) {
                continue;
            }
            groups.observe(alert);
            for (Route hit : route.match(AlertLabels.of(alert))) {
                if (hit.channel().equals(channel.name())) {
                    groups.add(hit, alert, partition, record.offset(), now);
                }
            }
        }
    }

    private Iterable<ConsumerRecord<String, Alert>> pollSkippingUnreadable() {
        try {
            return consumer.poll(POLL);
        } catch (RecordDeserializationException e) {
            log.error("channel {}: unreadable alert on {} at offset {}: {}; skipped", channel.name(), e.topicPartition(),
                    e.offset(), e.getMessage());
            consumer.seek(e.topicPartition(), e.offset() + 1);
            readUpTo.put(e.topicPartition(), e.offset() + 1);
            return List.of();
        }
    }

    private void tell() throws InterruptedException {
        Instant now = clock.instant();
        for (AlertGroups.Due due : groups.due(now)) {
            if (due.empty()) {
                groups.delivered(due, now);
                continue;
            }
            try {
                channel.deliver(due.notification());
                groups.delivered(due, clock.instant());
            } catch (IOException e) {
                groups.failed(due, clock.instant());
                log.warn("channel {} is down: {}; its events wait in Kafka and are told when it is back",
                        channel.name(), e.getMessage());
            }
        }
        if (groups.failing()) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            log.info("channel {} is back; reading on", channel.name());
            consumer.resume(consumer.paused());
        }
    }

    private void commit() {
        Map<TopicPartition, Long> pinned = groups.pinnedOffsets();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (var entry : readUpTo.entrySet()) {
            long safe = Math.min(entry.getValue(), pinned.getOrDefault(entry.getKey(), Long.MAX_VALUE));
            if (!Long.valueOf(safe).equals(committed.get(entry.getKey()))) {
                offsets.put(entry.getKey(), new OffsetAndMetadata(safe));
            }
        }
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
            offsets.forEach((p, o) -> committed.put(p, o.offset()));
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
