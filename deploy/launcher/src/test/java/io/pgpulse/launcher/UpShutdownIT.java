package io.pgpulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.registry.SchemaRegistryServer;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pgpulse up} as its own process, stopped with SIGTERM: it flushes what it has
 * buffered, stops every service and exits 0.
 */
class UpShutdownIT {

    @Test
    void sigtermFlushesAndExitsZero(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             SchemaRegistryServer registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0);
             EmbeddedPostgres postgres = EmbeddedPostgres.start(18)) {
            Topics topics = new Topics("shutdown-it");
            TopicProvisioner.ensure(kafka.bootstrapServers(), topics, 1);
            Path config = dir.resolve("pgpulse.yaml");
            Files.writeString(config, """
                    kafka:
                      bootstrap_servers: %s
                      schema_registry_url: %s
                      topic_prefix: shutdown-it
                    targets:
                      - cluster: pg-term
                        url: %s
                        interval: 500ms
                    collector:
                      metrics_listen: off
                    processor:
                      state_dir: %s
                    sink:
                      api_listen: off
                    """.formatted(kafka.bootstrapServers(), registry.url(), postgres.jdbcUrl("postgres"),
                    dir.resolve("state")));
            Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
            Process up = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    Pgpulse.class.getName(), "up", "--config", config.toString())
                    .redirectErrorStream(true).start();
            List<String> output = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        output.add(line);
                    }
                } catch (java.io.IOException e) {
                    output.add("(output closed: " + e + ")");
                }
            });
            reader.start();
            try (KafkaConsumer<String, PgSnapshot> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "shutdown-it",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(), new AvroSerdes(registry.url()).deserializer(PgSnapshot.class))) {
                consumer.subscribe(List.of(topics.snapshots()));
                List<PgSnapshot> seen = new CopyOnWriteArrayList<>();
                await().atMost(Duration.ofSeconds(120)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                    return seen.size() >= 2 || !up.isAlive();
                });
                assertThat(up.isAlive()).as("pgpulse up died: %s", output).isTrue();
                assertThat(seen).allSatisfy(s -> assertThat(s.getSourceId()).isEqualTo("pg-term/postgres"));

                up.destroy(); // SIGTERM
                assertThat(up.waitFor(90, TimeUnit.SECONDS)).as("stopped in time; output: %s", output).isTrue();
                reader.join(10_000);
                assertThat(up.exitValue()).as("output: %s", output).isZero();
                assertThat(output).noneMatch(line -> line.contains("undelivered"));
                assertThat(output).anyMatch(line -> line.contains("pgpulse: running"));
            } finally {
                if (up.isAlive()) {
                    up.destroyForcibly();
                }
            }
        }
    }
}
