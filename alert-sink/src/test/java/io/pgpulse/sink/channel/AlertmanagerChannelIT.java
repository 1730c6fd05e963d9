package io.pgpulse.sink.channel;

import static io.pgpulse.sink.testing.TestAlerts.firing;
import static io.pgpulse.sink.testing.TestAlerts.resolved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.Severity;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.sink.routing.Notifications;
import io.pgpulse.sink.routing.RoutingConfig;
import io.pgpulse.sink.testing.AlertmanagerProcess;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A FIRING alert and its resolution, from the alerts topic to a real Alertmanager, checked through its own API. */
class AlertmanagerChannelIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void firingAlertIsKeptAliveByResendsAndResolvedThroughTheRealApi() throws Exception {
        try (AlertmanagerProcess alertmanager = AlertmanagerProcess.start(AlertmanagerProcess.binary(), dir);
             EmbeddedRuntime runtime = EmbeddedRuntime.start()) {
            Topics topics = new Topics("am-it");
            TopicProvisioner.ensure(runtime.bootstrapServers(), topics, 1);
            String yaml = """
                    channels:
                      - name: am
                        alertmanager:
                          url: %s
                          resend_interval: 2s
                          generator_url: http://pgpulse.example.com/alerts/
                    route:
                      channel: am
                      group_by: [source]
                      group_wait: 0s
                      group_interval: 0s
                    """.formatted(alertmanager.url());
            RoutingConfig routing = RoutingConfig.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)),
                    "am-routing.yaml", k -> null);
            try (Notifications ignored = Notifications.start(new Notifications.Settings(runtime.bootstrapServers(),
                    runtime.registryUrl(), topics, "am-it-sink", Optional.of(routing), Optional.empty(), Optional.empty()),
                    Clock.systemUTC());
                 KafkaProducer<String, Alert> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()),
                         new StringSerializer(), new AvroSerdes(runtime.registryUrl()).serializer(Alert.class))) {
                Instant startsAt = Instant.now().minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                Alert bloat = firing("table_bloat", Severity.WARNING, "pg-01/app", "security_events", startsAt);
                producer.send(new ProducerRecord<>(topics.alerts(), bloat.getFingerprint(), bloat)).get();

                await("FIRING alert in Alertmanager").atMost(WAIT).until(() -> alerts(alertmanager.url()).size() == 1);
                JsonNode alert = alerts(alertmanager.url()).get(0);
                assertThat(alert.path("labels").path("alertname").asText()).isEqualTo("table_bloat");
                assertThat(alert.path("labels").path("severity").asText()).isEqualTo("warning");
                assertThat(alert.path("labels").path("source").asText()).isEqualTo("pg-01/app");
                assertThat(alert.path("labels").path("object").asText()).isEqualTo("public.security_events");
                assertThat(alert.path("labels").path("env").asText()).isEqualTo("test");
                assertThat(alert.path("annotations").path("summary").asText())
                        .isEqualTo("table_bloat on pg-01/app public.security_events");
                assertThat(alert.path("annotations").path("runbook").asText()).startsWith("Look at table_bloat");
                assertThat(alert.path("status").path("state").asText()).isEqualTo("active");
                assertThat(Instant.parse(alert.path("startsAt").asText())).isEqualTo(startsAt);
                assertThat(Instant.parse(alert.path("endsAt").asText())).isAfter(Instant.now());
                assertThat(alert.path("generatorURL").asText())
                        .isEqualTo("http://pgpulse.example.com/alerts/" + bloat.getFingerprint());

                // Re-posted while firing: Alertmanager sees the alert updated again.
                String firstUpdate = alert.path("updatedAt").asText();
                await("re-post of the firing alert").atMost(WAIT).until(() -> {
                    var now = alerts(alertmanager.url());
                    return now.size() == 1 && !now.get(0).path("updatedAt").asText().equals(firstUpdate);
                });

                Instant endsAt = Instant.now().minusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                producer.send(new ProducerRecord<>(topics.alerts(), bloat.getFingerprint(), resolved(bloat, endsAt))).get();
                await("resolution in Alertmanager").atMost(WAIT).until(() -> alerts(alertmanager.url()).isEmpty());
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\nalertmanager log:\n" + alertmanager.log(), e);
            }
        }
    }

    private static JsonNode alerts(URI alertmanager) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(alertmanager.resolve("/api/v2/alerts")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
