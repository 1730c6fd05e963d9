package io.pgpulse.sink.routing;

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
import io.pgpulse.sink.channel.SlackMessage;
import io.pgpulse.sink.testing.HttpReceiver;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Channels fed from a real broker: a webhook and a Slack receiver (local HTTP servers)
 * behind a routing file, one of them down for a while, and silences set through the
 * sink's HTTP API.
 */
class ChannelsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static EmbeddedRuntime runtime;
    private static AvroSerdes serdes;

    @BeforeAll
    static void startRuntime() throws Exception {
        runtime = EmbeddedRuntime.start();
        serdes = new AvroSerdes(runtime.registryUrl());
    }

    @AfterAll
    static void stopRuntime() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
    }

    private static RoutingConfig routing(URI webhook, URI slack) {
        String yaml = """
                channels:
                  - name: hook
                    webhook: {url: "%s", attempts: 1, timeout: 2s}
                  - name: slack
                    slack: {url: "%s", attempts: 1, timeout: 2s, channel: "#db-alerts"}
                route:
                  channel: hook
                  group_by: ['...']
                  group_wait: 0s
                  group_interval: 0s
                  routes:
                    - matchers: ['env="test"']
                      channel: slack
                      continue: true
                    - matchers: ['env="test"']
                      channel: hook
                """.formatted(webhook, slack);
        return RoutingConfig.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test-routing.yaml",
                k -> null);
    }

    private static Notifications start(Topics topics, String group, RoutingConfig routing) {
        TopicProvisioner.ensure(runtime.bootstrapServers(), topics, 1);
        return Notifications.start(new Notifications.Settings(runtime.bootstrapServers(), runtime.registryUrl(), topics,
                group, Optional.of(routing), Optional.empty(),
                Optional.of(new InetSocketAddress("127.0.0.1", 0))), Clock.systemUTC());
    }

    private static void publish(Topics topics, Alert... alerts) throws Exception {
        try (KafkaProducer<String, Alert> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()),
                new StringSerializer(), serdes.serializer(Alert.class))) {
            for (Alert alert : alerts) {
                producer.send(new ProducerRecord<>(topics.alerts(), alert.getFingerprint(), alert)).get();
            }
        }
    }

    private static long committed(String group, Topics topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata offset = offsets.get(new TopicPartition(topics.alerts(), 0));
            return offset == null ? 0 : offset.offset();
        }
    }

    private static List<JsonNode> attachments(HttpReceiver slack) {
        List<JsonNode> all = new java.util.ArrayList<>();
        slack.accepted().forEach(message -> message.path("attachments").forEach(all::add));
        return all;
    }

    @Test
    void channelThatIsDownHoldsBackOnlyItselfAndCatchesUpWithNothingLost() throws Exception {
        Topics topics = new Topics("down-it");
        try (HttpReceiver webhook = new HttpReceiver(); HttpReceiver slack = new HttpReceiver();
             Notifications ignored = start(topics, "down-it-sink", routing(webhook.url("/hook"), slack.url("/slack")))) {
            webhook.answer(500);
            Instant t0 = Instant.parse("2026-11-25T12:00:00Z");
            Alert bloat = firing("table_bloat", Severity.WARNING, "pg-01/app", "security_events", t0);
            publish(topics, bloat, resolved(bloat, t0.plusSeconds(60)));

            // Slack hears about both events while the webhook is down (in one message or two).
            await().atMost(WAIT).until(() -> attachments(slack).size() >= 2);
            List<JsonNode> attachments = attachments(slack);
            assertThat(attachments).hasSize(2);
            JsonNode fired = slack.accepted().get(0);
            assertThat(fired.path("channel").asText()).isEqualTo("#db-alerts");
            assertThat(fired.path("text").asText()).startsWith("[FIRING:1]");
            JsonNode attachment = attachments.get(0);
            assertThat(attachment.path("color").asText()).isEqualTo(SlackMessage.WARNING_COLOR);
            assertThat(attachment.path("blocks").get(0).path("text").path("text").asText())
                    .isEqualTo("*[FIRING] table_bloat (warning) on pg-01/app*\ntable_bloat on pg-01/app public.security_events");
            assertThat(attachment.path("blocks").get(1).path("fields").findValuesAsText("text"))
                    .contains("*Source*\npg-01/app", "*table*\npublic.security_events", "*Threshold*\n0.2");
            assertThat(attachment.path("blocks").get(2).path("elements").get(0).path("text").asText())
                    .isEqualTo("Look at table_bloat &lt;carefully&gt; &amp; soon");
            assertThat(attachments.get(1).path("color").asText()).isEqualTo(SlackMessage.RESOLVED_COLOR);
            assertThat(attachments.get(1).path("blocks").get(0).path("text").path("text").asText())
                    .startsWith("*[RESOLVED] table_bloat (warning) on pg-01/app*");

            // The webhook was tried and refused; its events wait in Kafka, uncommitted.
            await().atMost(WAIT).until(() -> webhook.refused() >= 2);
            assertThat(webhook.accepted()).isEmpty();
            assertThat(committed(ChannelDelivery.groupId("down-it-sink", "hook"), topics)).isZero();
            assertThat(committed(ChannelDelivery.groupId("down-it-sink", "slack"), topics)).isEqualTo(2);

            // Back up: it gets both events, in order, and commits.
            webhook.answer(204);
            await().atMost(WAIT).until(() -> webhook.accepted().size() >= 2);
            assertThat(webhook.accepted()).extracting(j -> j.path("status").asText()).containsExactly("firing", "resolved");
            JsonNode first = webhook.accepted().get(0);
            assertThat(first.path("alertname").asText()).isEqualTo("table_bloat");
            assertThat(first.path("source").asText()).isEqualTo("pg-01/app");
            assertThat(first.path("object").path("name").asText()).isEqualTo("security_events");
            assertThat(webhook.accepted().get(1).path("endsAt").asText()).isEqualTo(t0.plusSeconds(60).toString());
            await().atMost(WAIT).until(() -> committed(ChannelDelivery.groupId("down-it-sink", "hook"), topics) == 2);
            assertThat(attachments(slack)).as("Slack was not told twice").hasSize(2);
        }
    }

    @Test
    void silenceSetThroughTheApiMutesMatchingAlertsUntilDeleted() throws Exception {
        Topics topics = new Topics("silence-it");
        HttpClient http = HttpClient.newHttpClient();
        try (HttpReceiver webhook = new HttpReceiver(); HttpReceiver slack = new HttpReceiver();
             Notifications notifications = start(topics, "silence-it-sink", routing(webhook.url("/hook"), slack.url("/slack")))) {
            URI api = notifications.apiUrl().orElseThrow();

            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(api.resolve("/silences"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"matchers\": [\"source=\\\"pg-02/app\\\"\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(refused.body()).path("error").asText()).startsWith("endsAt: required");

            HttpResponse<String> created = http.send(HttpRequest.newBuilder(api.resolve("/silences"))
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"matchers": ["source=\\"pg-02/app\\""], "duration": "1h",
                             "createdBy": "ana", "comment": "planned failover"}""")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String id = JSON.readTree(created.body()).path("id").asText();

            JsonNode listed = JSON.readTree(http.send(HttpRequest.newBuilder(api.resolve("/silences")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).path("state").asText()).isEqualTo("active");
            assertThat(listed.get(0).path("matchers").get(0).asText()).isEqualTo("source=\"pg-02/app\"");

            Instant t0 = Instant.now();
            publish(topics, firing("cache_hit_ratio_low", Severity.WARNING, "pg-02/app", null, t0),
                    firing("cache_hit_ratio_low", Severity.WARNING, "pg-03/app", null, t0));
            await().atMost(WAIT).until(() -> webhook.accepted().size() >= 1
                    && committed(ChannelDelivery.groupId("silence-it-sink", "hook"), topics) == 2);
            assertThat(webhook.accepted()).extracting(j -> j.path("source").asText()).containsExactly("pg-03/app");

            HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(api.resolve("/silences/" + id)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(deleted.statusCode()).isEqualTo(204);
            assertThat(http.send(HttpRequest.newBuilder(api.resolve("/silences")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("[]");
            assertThat(http.send(HttpRequest.newBuilder(api.resolve("/silences/" + id)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);

            // Without the silence, the next alert of that database is told.
            publish(topics, firing("table_bloat", Severity.WARNING, "pg-02/app", "t", t0));
            await().atMost(WAIT).until(() -> webhook.accepted().size() >= 2);
            assertThat(webhook.accepted().get(1).path("source").asText()).isEqualTo("pg-02/app");
            assertThat(webhook.accepted().get(1).path("alertname").asText()).isEqualTo("table_bloat");
        }
    }
}
