package io.pgpulse.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent keeps going whatever the database or Kafka does: a database stopped
 * mid-run gives up=false snapshots and then recovers; a broker stopped for a while
 * makes the agent buffer, drop the oldest with the gap counted, and deliver again
 * when the broker is back; the self-metrics endpoint tells the story.
 */
class CollectorFailuresIT {

    private static final Topics TOPICS = new Topics("failures-it");
    private static final Duration INTERVAL = Duration.ofMillis(500);

    private static EmbeddedRuntime runtime;
    private static EmbeddedPostgres postgres;

    private final List<PgSnapshot> received = new CopyOnWriteArrayList<>();
    private final AtomicBoolean consuming = new AtomicBoolean(true);
    private Thread consumer;
    private CollectorAgent agent;

    @BeforeAll
    static void start() throws Exception {
        runtime = EmbeddedRuntime.start();
        postgres = EmbeddedPostgres.start(18);
        postgres.createDatabase("app");
        TopicProvisioner.ensure(runtime.bootstrapServers(), TOPICS, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @BeforeEach
    void consume() {
        String group = "failures-it-" + System.nanoTime();
        consumer = new Thread(() -> {
            AvroSerdes serdes = new AvroSerdes(runtime.registryUrl());
            try (KafkaConsumer<String, PgSnapshot> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"),
                    new StringDeserializer(), serdes.deserializer(PgSnapshot.class))) {
                c.subscribe(List.of(TOPICS.snapshots()));
                while (consuming.get()) {
                    for (ConsumerRecord<String, PgSnapshot> r : c.poll(Duration.ofMillis(200))) {
                        received.add(r.value());
                    }
                }
            }
        }, "failures-it-consumer");
        consumer.setDaemon(true);
        consumer.start();
    }

    @AfterEach
    void stopAgentAndConsumer() throws Exception {
        if (agent != null) {
            agent.close();
        }
        consuming.set(false);
        consumer.join(10_000);
        postgres.start();
        runtime.kafka().resume();
    }

    private CollectorAgent startAgent(CollectorSettings settings) {
        TargetConfig target = new TargetConfig("pg-fail", postgres.jdbcUrl("app"), postgres.user(), null, INTERVAL, Map.of());
        agent = new CollectorAgent(runtime.bootstrapServers(), runtime.registryUrl(), TOPICS, List.of(target), "failures-it",
                ExecutorPolicy.defaults(null), CollectorAgent.Listener.quiet(), settings);
        agent.start();
        return agent;
    }

    @Test
    void databaseStoppedMidRunGivesDownSnapshotsThenRecovers() throws Exception {
        startAgent(CollectorSettings.defaults().withMetricsAddress(new InetSocketAddress("127.0.0.1", 0)));
        await().atMost(Duration.ofSeconds(60)).until(() -> received.stream().anyMatch(PgSnapshot::getUp));

        postgres.stop();
        Instant stoppedAt = Instant.now();
        await().atMost(Duration.ofSeconds(60)).until(() -> received.stream()
                .anyMatch(s -> !s.getUp() && s.getCollectedAt().isAfter(stoppedAt)));
        PgSnapshot down = received.stream().filter(s -> !s.getUp()).findFirst().orElseThrow();
        assertThat(down.getError().getErrorClass()).isEqualTo("connection");
        assertThat(down.getServer()).isNull();
        assertThat(down.getGroupsCollected()).isEmpty();

        postgres.start();
        Instant restartedAt = Instant.now();
        await().atMost(Duration.ofSeconds(60)).until(() -> received.stream()
                .anyMatch(s -> s.getUp() && s.getCollectedAt().isAfter(restartedAt)));
        PgSnapshot back = received.get(received.size() - 1);
        assertThat(back.getDatabaseStats()).isNotNull();

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                agent.metricsUrl().orElseThrow()).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics)
                .contains("pgpulse_collector_snapshots_total{outcome=\"failed\",source=\"pg-fail/app\"}")
                .contains("pgpulse_collector_snapshots_total{outcome=\"ok\",source=\"pg-fail/app\"}")
                .contains("pgpulse_collector_snapshot_duration_seconds_count{source=\"pg-fail/app\"}")
                .contains("pgpulse_collector_snapshot_size_bytes_sum{source=\"pg-fail/app\"}")
                .contains("pgpulse_collector_buffer_depth");
    }

    @Test
    void brokerStoppedForAWhileThenSnapshotsDeliveredWithTheGapCounted() throws Exception {
        startAgent(CollectorSettings.defaults().withBuffer(6));
        await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 2);

        runtime.kafka().stop();
        Instant stoppedAt = Instant.now();
        // Six buffered and six in flight at most: at two snapshots a second, drops start within seconds.
        await().atMost(Duration.ofSeconds(60)).until(() -> agent.droppedSnapshots() >= 4);
        long droppedWhileDown = agent.droppedSnapshots();
        runtime.kafka().resume();

        await().atMost(Duration.ofSeconds(90)).until(() -> received.stream()
                .anyMatch(s -> s.getDroppedBefore() != null && s.getDroppedBefore() > 0));
        long gapOnTopic = received.stream().filter(s -> s.getDroppedBefore() != null)
                .mapToLong(PgSnapshot::getDroppedBefore).sum();
        assertThat(gapOnTopic).isGreaterThanOrEqualTo(droppedWhileDown);
        // Snapshots taken while the broker was down still arrive (the newest ones were kept).
        await().atMost(Duration.ofSeconds(60)).until(() -> received.stream()
                .anyMatch(s -> s.getCollectedAt().isAfter(stoppedAt) && s.getUp()));
        Instant resumedAt = Instant.now();
        await().atMost(Duration.ofSeconds(60)).until(() -> received.stream()
                .anyMatch(s -> s.getCollectedAt().isAfter(resumedAt)));
        // Per source, the topic holds snapshots in the order they were taken.
        List<Instant> times = received.stream().map(PgSnapshot::getCollectedAt).toList();
        assertThat(times).isSorted();
    }
}
