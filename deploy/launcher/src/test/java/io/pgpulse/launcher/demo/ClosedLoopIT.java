package io.pgpulse.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroDeserializer;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The demo's loop on the real embedded runtime, checked the way a DBA would check it:
 * in PostgreSQL itself, on the topics with a consumer of our own, and at the webhook.
 */
class ClosedLoopIT {

    @Test
    void bloatedTableIsVacuumedByCommandAndTheAlertResolves() throws Exception {
        ByteArrayOutputStream narration = new ByteArrayOutputStream();
        DemoScenario.Options options = DemoScenario.Options.defaults();
        DemoScenario demo = DemoScenario.start(options, new DemoNarrator(new PrintStream(narration, true, StandardCharsets.UTF_8)));
        try {
            long oid = tableOid(demo);
            demo.runWorkload();
            // PostgreSQL publishes a session's statistics when the backend exits, a moment after the
            // workload's connection closed; and the loop is quick, so the VACUUM may come first. Either
            // shows the dead tuples (the executor's own before/after measurement is checked below).
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> deadTuples(demo) >= 9_000 || lastVacuumSet(demo));

            boolean closed = demo.awaitLoop(Duration.ofMinutes(3));
            assertThat(closed).as("loop closed; missing: %s; narration:%n%s", demo.progress().missingStage(),
                    narration.toString(StandardCharsets.UTF_8)).isTrue();

            // The stream processor's fleet API answers while the demo runs.
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            JsonNode fleet = getJson(http, demo.fleetApi().resolve("/fleet"));
            assertThat(fleet.path("sources").get(0).path("source_id").asText()).isEqualTo("pg-demo/secplatform");
            assertThat(fleet.path("sources").get(0).path("up").asBoolean()).isTrue();
            JsonNode source = getJson(http, demo.fleetApi().resolve("/sources/pg-demo/secplatform"));
            assertThat(source.path("metrics").path("current").path("tables").isArray()).isTrue();
            assertThat(getJson(http, demo.fleetApi().resolve("/alerts")).path("alerts").isArray()).isTrue();

            // In PostgreSQL: the VACUUM ran on exactly that table.
            assertThat(deadTuples(demo)).as("dead tuples after VACUUM").isLessThan(1_000);
            assertThat(lastVacuumSet(demo)).as("last_vacuum of public.security_events").isTrue();

            // On the topics, read with our own consumer: one FIRING, one RESOLVED, one DONE result.
            Topics topics = Topics.defaults();
            AvroSerdes serdes = new AvroSerdes(demo.registry().url());
            List<Alert> bloatAlerts = readAll(demo, topics.alerts(), serdes.deserializer(Alert.class)).stream()
                    .filter(a -> a.getRule().equals("table_bloat")).toList();
            assertThat(bloatAlerts).extracting(Alert::getStatus).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
            assertThat(bloatAlerts.get(0).getObject().getName()).isEqualTo("security_events");
            assertThat(bloatAlerts.get(0).getObject().getOid()).isEqualTo(oid);

            List<CommandResult> results = readAll(demo, topics.commandResults(), serdes.deserializer(CommandResult.class));
            assertThat(results).hasSize(1);
            CommandResult result = results.get(0);
            assertThat(result.getOutcome()).isEqualTo(CommandOutcome.DONE);
            assertThat(result.getAction()).isEqualTo(MaintenanceAction.VACUUM_ANALYZE);
            assertThat(result.getTarget().getOid()).isEqualTo(oid);
            assertThat(result.getStatement()).isEqualTo("VACUUM (ANALYZE) \"public\".\"security_events\"");
            assertThat(result.getChecksPassed()).anySatisfy(c -> assertThat(c).startsWith("signature valid"))
                    .anySatisfy(c -> assertThat(c).isEqualTo("\"public\".\"security_events\" still has OID " + oid));
            assertThat(result.getBefore().getNDeadTup()).isGreaterThanOrEqualTo(9_000);
            assertThat(result.getAfter().getNDeadTup()).isLessThan(1_000);
            assertThat(result.getAfter().getLastVacuum()).isNotNull();

            // At the webhook: the same two events as JSON. The webhook has a consumer of its
            // own, so it may hear of the resolution a moment after the remediation side did.
            await().atMost(Duration.ofSeconds(60)).until(() -> demo.webhook().received().stream()
                    .anyMatch(j -> j.path("alertname").asText().equals("table_bloat")
                            && j.path("status").asText().equals("resolved")));
            List<String> posted = demo.webhook().received().stream()
                    .filter(j -> j.path("alertname").asText().equals("table_bloat"))
                    .map(j -> j.path("status").asText()).toList();
            assertThat(posted).containsExactly("firing", "resolved");
            JsonNode firing = demo.webhook().received().stream()
                    .filter(j -> j.path("alertname").asText().equals("table_bloat")).findFirst().orElseThrow();
            assertThat(firing.path("object").path("name").asText()).isEqualTo("security_events");
            // The resolution says what fixed it, with the measured effect.
            JsonNode resolution = demo.webhook().received().stream()
                    .filter(j -> j.path("alertname").asText().equals("table_bloat") && j.path("status").asText().equals("resolved"))
                    .findFirst().orElseThrow();
            assertThat(resolution.path("annotations").path("remediation").asText())
                    .startsWith("DONE VACUUM (ANALYZE) \"public\".\"security_events\"").contains("dead tuples");
        } finally {
            demo.close();
        }
        assertThat(demo.postgres().isRunning()).as("PostgreSQL stopped").isFalse();
    }

    private static JsonNode getJson(java.net.http.HttpClient http, java.net.URI uri) throws Exception {
        java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(uri).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", uri, response.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
    }

    private static long tableOid(DemoScenario demo) throws Exception {
        try (Connection conn = demo.postgres().connect(DemoScenario.DATABASE);
             PreparedStatement ps = conn.prepareStatement("SELECT 'public.security_events'::regclass::oid::bigint");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long deadTuples(DemoScenario demo) throws Exception {
        try (Connection conn = demo.postgres().connect(DemoScenario.DATABASE);
             PreparedStatement ps = conn.prepareStatement(
                     "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'public.security_events'::regclass");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean lastVacuumSet(DemoScenario demo) throws Exception {
        try (Connection conn = demo.postgres().connect(DemoScenario.DATABASE);
             PreparedStatement ps = conn.prepareStatement(
                     "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relid = 'public.security_events'::regclass");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static <T extends SpecificRecord> List<T> readAll(DemoScenario demo, String topic, AvroDeserializer<T> values) {
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, demo.kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "closed-loop-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            List<T> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            int emptyPolls = 0;
            // Read until the topic stays quiet after at least one record, or the deadline.
            while (System.currentTimeMillis() < deadline && (out.isEmpty() || emptyPolls < 3)) {
                var records = consumer.poll(Duration.ofMillis(500));
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                for (ConsumerRecord<String, T> record : records) {
                    out.add(record.value());
                }
            }
            return out;
        }
    }
}
