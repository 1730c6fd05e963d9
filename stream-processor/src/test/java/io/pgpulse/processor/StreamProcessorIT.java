package io.pgpulse.processor;

import static io.pgpulse.processor.SnapshotFixtures.POSTMASTER_START;
import static io.pgpulse.processor.SnapshotFixtures.START;
import static io.pgpulse.processor.SnapshotFixtures.builder;
import static io.pgpulse.processor.SnapshotFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.processor.SnapshotFixtures.Db;
import io.pgpulse.registry.SchemaRegistryServer;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream processor on the real embedded broker and registry, with exactly-once on:
 * killed without warning in the middle of its input and restarted, it yields exactly the
 * alert events of a run that was never interrupted; records that do not decode go to the
 * dead-letter topic while the good ones flow; the fleet API answers while it runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamProcessorIT {

    /** Generous: the machine is shared, and a restart after a kill first restores every store from its changelog. */
    private static final Duration PATIENCE = Duration.ofMinutes(5);
    private static final int PARTITIONS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddedKafka kafka;
    private SchemaRegistryServer registry;
    private AvroSerdes serdes;

    @TempDir
    Path dir;

    @BeforeAll
    void startRuntime() throws IOException {
        kafka = EmbeddedKafka.start();
        registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0);
        serdes = new AvroSerdes(registry.url());
    }

    @AfterAll
    void stopRuntime() throws IOException {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Thirty sources, three hundred snapshots each, 2 s apart: each source's table bloats and
     * is vacuumed every 40 s, its cache misses every few windows, its connections run high
     * now and then. Collection intervals are an hour so that the wall-clock silence check
     * (which no two runs can agree on) stays out of it.
     */
    private static List<PgSnapshot> script() {
        List<PgSnapshot> out = new ArrayList<>();
        int sources = 30;
        for (int k = 0; k < 300; k++) {
            for (int s = 0; s < sources; s++) {
                long dead = ((k / 20) + s) % 3 == 0 ? 5_000 : 500;
                long reads = ((k / 5) + s) % 4 == 0 ? 2_000L * k : 10L * k;
                out.add(builder(START.plusSeconds(2L * k), POSTMASTER_START, new Db(10L * k, reads, 10_000L * k),
                        List.of(table("public", "events", 16_384, 10_000 + k, 6_000, 10_000, dead)))
                        .setSourceId("pg-" + s + "/app").setCluster("pg-" + s).setIntervalMs(3_600_000)
                        .setActivity(SnapshotFixtures.activity(((k / 7) + s) % 5 == 0 ? 90 : 10, 0, null))
                        .build());
            }
        }
        return out;
    }

    @Test
    void killedWithoutWarningMidStreamAndRestartedYieldsExactlyTheAlertsOfACleanRun() throws Exception {
        List<PgSnapshot> input = script();
        Topics clean = topics("clean");
        Topics crash = topics("crash");
        produce(clean.snapshots(), input);
        produce(crash.snapshots(), input);

        // The run that is never interrupted.
        Path cleanState = Files.createDirectories(dir.resolve("clean-state"));
        try (StreamProcessorApp app = new StreamProcessorApp(ProcessorMain.config(kafka.bootstrapServers(), registry.url(),
                "clean", "clean-app", cleanState))) {
            app.start();
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .until(() -> committed("clean-app", clean.snapshots()) == input.size());
        }
        Map<String, List<String>> expected = byFingerprint(readAll(clean.alerts()));

        // The same input, and the processor dies (SIGKILL) part way through.
        Path crashState = Files.createDirectories(dir.resolve("crash-state"));
        Path log = dir.resolve("killed-processor.log");
        Process killed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ProcessorMain.class.getName(),
                kafka.bootstrapServers(), registry.url(), "crash", "crash-app", crashState.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long atKill;
        try {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                    .until(() -> committed("crash-app", crash.snapshots()) >= input.size() / 5);
            killed.destroyForcibly();
            atKill = committed("crash-app", crash.snapshots());
        } finally {
            killed.destroyForcibly();
            killed.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(atKill).as("killed mid-stream (process log: %s)", log).isLessThan(input.size());

        try (StreamProcessorApp app = new StreamProcessorApp(ProcessorMain.config(kafka.bootstrapServers(), registry.url(),
                "crash", "crash-app", crashState))) {
            app.start();
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .until(() -> committed("crash-app", crash.snapshots()) == input.size());
        }
        Map<String, List<String>> afterCrash = byFingerprint(readAll(crash.alerts()));

        assertThat(expected.values().stream().mapToInt(List::size).sum()).as("alert events of the clean run")
                .isGreaterThan(100);
        assertThat(expected.keySet()).as("incidents' rules").anyMatch(k -> k.startsWith("table_bloat"))
                .anyMatch(k -> k.startsWith("cache_hit_ratio_low")).anyMatch(k -> k.startsWith("connection_utilization_high"));
        assertThat(afterCrash).as("every alert event exactly once, in order, per fingerprint").isEqualTo(expected);
    }

    @Test
    void poisonPillsGoToTheDeadLetterTopicWhileGoodOnesFlow() throws Exception {
        Topics topics = topics("poison");
        try (StreamProcessorApp app = new StreamProcessorApp(ProcessorMain.config(kafka.bootstrapServers(), registry.url(),
                "poison", "poison-app", Files.createDirectories(dir.resolve("poison-state"))))) {
            app.start();
            PgSnapshot good = bloated(0, "pg-1/app");
            try (KafkaProducer<String, byte[]> producer = producer()) {
                producer.send(new ProducerRecord<>(topics.snapshots(), "pg-1/app", "not avro at all".getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>(topics.snapshots(), "pg-1/app", null));
                producer.send(new ProducerRecord<>(topics.snapshots(), "pg-2/app", bytes(topics, good))); // key and source differ
                producer.send(new ProducerRecord<>(topics.snapshots(), "pg-1/app", bytes(topics, good)));
                // 16 s: past the first 10 s window's end, its 2 s grace and the up to 3.3 s its close may be put off.
                producer.send(new ProducerRecord<>(topics.snapshots(), "pg-1/app", bytes(topics, bloated(16, "pg-1/app"))));
            }

            await().atMost(PATIENCE).untilAsserted(() -> {
                List<ConsumerRecord<String, byte[]>> dead = readAll(topics.deadLetters(), new ByteArrayDeserializer());
                assertThat(dead).extracting(r -> reason(r.headers().lastHeader(DeadLetterHeaders.REASON))).satisfiesExactlyInAnyOrder(
                        r -> assertThat(r).contains("magic byte"),
                        r -> assertThat(r).contains("tombstone"),
                        r -> assertThat(r).isEqualTo("record key 'pg-2/app' does not match source_id 'pg-1/app'"));
            });
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(readAll(topics.alerts())).extracting(Alert::getRule, Alert::getStatus)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("table_bloat", AlertStatus.FIRING));
                assertThat(readAll(topics.metrics(), serdes.deserializer(io.pgpulse.avro.DerivedMetrics.class)))
                        .extracting(r -> r.value().getSnapshots()).contains(1);
            });
        }
    }

    @Test
    void fleetApiAnswersWhileTheProcessorRuns() throws Exception {
        Topics topics = topics("fleet");
        StreamProcessorApp.Config base = ProcessorMain.config(kafka.bootstrapServers(), registry.url(), "fleet",
                "fleet-app", Files.createDirectories(dir.resolve("fleet-state")));
        StreamProcessorApp.Config config = new StreamProcessorApp.Config(base.bootstrapServers(), base.registryUrl(),
                base.topics(), base.applicationId(), base.stateDir(), base.settings(), base.rules(), 0,
                new InetSocketAddress("127.0.0.1", 0), base.streamsOverrides());
        try (StreamProcessorApp app = new StreamProcessorApp(config)) {
            app.start();
            URI api = app.apiUrl().orElseThrow();
            produce(topics.snapshots(), List.of(bloated(0, "pg-1/app"), quiet(0, "pg-2/app"), bloated(14, "pg-1/app"),
                    quiet(14, "pg-2/app")));
            HttpClient http = HttpClient.newHttpClient();

            await().atMost(PATIENCE).untilAsserted(() -> {
                JsonNode fleet = get(http, api.resolve("/fleet"), 200);
                assertThat(fleet.path("count").asInt()).isEqualTo(2);
                assertThat(fleet.path("sources").get(0).path("source_id").asText()).isEqualTo("pg-1/app");
                assertThat(fleet.path("sources").get(0).path("firing_alerts").asInt()).isEqualTo(1);
                assertThat(fleet.path("sources").get(0).path("up").asBoolean()).isTrue();
                assertThat(fleet.path("sources").get(0).path("last_snapshot_at").asText())
                        .isEqualTo(START.plusSeconds(14).toString());
                assertThat(fleet.path("sources").get(1).path("firing_alerts").asInt()).isZero();
            });
            JsonNode source = get(http, api.resolve("/sources/pg-1/app"), 200);
            assertThat(source.path("source").path("source_id").asText()).isEqualTo("pg-1/app");
            assertThat(source.path("firing").get(0).path("rule").asText()).isEqualTo("table_bloat");
            assertThat(source.path("metrics").path("tumbling").path("window_end").asText())
                    .isEqualTo(START.plusSeconds(10).toString());
            assertThat(source.path("metrics").path("current").path("tables").get(0).path("dead_tuple_ratio").asDouble())
                    .isEqualTo(0.5);
            JsonNode alerts = get(http, api.resolve("/alerts"), 200);
            assertThat(alerts.path("count").asInt()).isEqualTo(1);
            assertThat(alerts.path("alerts").get(0).path("source_id").asText()).isEqualTo("pg-1/app");
            assertThat(get(http, api.resolve("/sources/pg-9/app"), 404).path("error").asText()).contains("no source pg-9/app");
        }
    }

    private static PgSnapshot bloated(long second, String source) {
        return builder(START.plusSeconds(second), POSTMASTER_START, new Db(second, 0, 100 * second),
                List.of(table("public", "events", 16_384, 10_000, 6_000, 10_000, 5_000)))
                .setSourceId(source).setCluster(source.substring(0, source.indexOf('/'))).setIntervalMs(3_600_000).build();
    }

    private static PgSnapshot quiet(long second, String source) {
        return builder(START.plusSeconds(second), POSTMASTER_START, new Db(second, 0, 100 * second), List.of())
                .setSourceId(source).setCluster(source.substring(0, source.indexOf('/'))).setIntervalMs(3_600_000).build();
    }

    private static JsonNode get(HttpClient http, URI uri, int status) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", uri, response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private Topics topics(String prefix) {
        Topics topics = new Topics(prefix);
        TopicProvisioner.ensure(kafka.bootstrapServers(), topics, PARTITIONS);
        return topics;
    }

    private byte[] bytes(Topics topics, PgSnapshot snapshot) {
        return serdes.serializer(PgSnapshot.class).serialize(topics.snapshots(), snapshot);
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer());
    }

    private void produce(String topic, List<PgSnapshot> snapshots) {
        var serializer = serdes.serializer(PgSnapshot.class);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (PgSnapshot s : snapshots) {
                producer.send(new ProducerRecord<>(topic, s.getSourceId(), serializer.serialize(topic, s)));
            }
        }
    }

    /** Input records the application has processed and committed. */
    private long committed(String applicationId, String topic) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }

    private List<Alert> readAll(String topic) {
        return readAll(topic, serdes.deserializer(Alert.class)).stream().map(ConsumerRecord::value).toList();
    }

    /** Everything committed on {@code topic}, in partition and offset order. */
    private <T> List<ConsumerRecord<String, T>> readAll(String topic, Deserializer<T> values) {
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), values);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<Integer, List<ConsumerRecord<String, T>>> byPartition = new TreeMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, T> r : consumer.poll(Duration.ofMillis(200))) {
                    byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
                }
            }
            List<ConsumerRecord<String, T>> out = new ArrayList<>();
            byPartition.values().forEach(out::addAll);
            return out;
        }
    }

    /** Each incident's events, in order: what a consumer of the alerts topic sees per fingerprint. */
    private static Map<String, List<String>> byFingerprint(List<Alert> alerts) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Alert a : alerts) {
            out.computeIfAbsent(a.getRule() + " " + a.getFingerprint(), k -> new ArrayList<>())
                    .add(a.getStatus() + " " + a.getSourceId() + " " + a.getEventAt() + " " + a.getValue() + " "
                            + a.getStartsAt() + " " + a.getSummary());
        }
        return new TreeMap<>(out);
    }

    private static String reason(Header header) {
        return header == null ? "(no reason)" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
