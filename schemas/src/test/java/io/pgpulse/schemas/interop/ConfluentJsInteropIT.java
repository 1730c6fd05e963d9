package io.pgpulse.schemas.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.sample.SampleRecords;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.schemas.serde.RegistryClient;
import io.pgpulse.schemas.serde.WireFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Downstream teams read pgpulse's topics with their own tools. This test is that proof with
 * code pgpulse did not write: Confluent's JavaScript Schema Registry client and Avro
 * deserializer ({@code @confluentinc/schemaregistry}), consuming through KafkaJS (with an LZ4
 * codec, since the collector compresses snapshots so), read one record of every topic that
 * pgpulse's serde wrote to the embedded broker, fetching the writer schemas from pgpulse's
 * registry by the id in each record. Every field of every record, optional sections included
 * (the samples fill them all), must come out as written.
 *
 * <p>The clients are installed from {@code src/test/node/package-lock.json} with {@code npm ci}
 * (by {@value NodeProject#INSTALL_SCRIPT}, or here when {@code node_modules} is missing). A
 * machine without Node.js fails this test with a message naming that script: it never skips.
 */
class ConfluentJsInteropIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Topics TOPICS = Topics.defaults();

    private static NodeProject node;
    private static EmbeddedRuntime runtime;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        node = NodeProject.installed(Path.of("src/test/node"));
        runtime = EmbeddedRuntime.start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void confluentsJavaScriptDeserializerReadsEveryTopicThroughPgpulsesRegistry() throws Exception {
        RegistryClient registry = new RegistryClient(runtime.registryUrl());
        AvroSerdes serdes = new AvroSerdes(registry, true);
        Map<String, Written> written = new LinkedHashMap<>();
        written.put(TOPICS.snapshots(), write(serdes, TOPICS.snapshots(), PgSnapshot.class, r -> r.getSourceId()));
        written.put(TOPICS.metrics(), write(serdes, TOPICS.metrics(), DerivedMetrics.class, r -> r.getSourceId()));
        written.put(TOPICS.alerts(), write(serdes, TOPICS.alerts(), Alert.class, r -> r.getFingerprint()));
        written.put(TOPICS.commands(), write(serdes, TOPICS.commands(), MaintenanceCommand.class,
                r -> r.getSourceId()));
        written.put(TOPICS.commandResults(), write(serdes, TOPICS.commandResults(), CommandResult.class,
                r -> r.getCommandId()));
        produce(written);

        List<String> args = new ArrayList<>(List.of(runtime.bootstrapServers(), runtime.registryUrl()));
        args.addAll(written.keySet());
        NodeProject.Finished run = node.node("decode-topics.mjs", args, 150);
        assertThat(run.exitCode()).as("node decode-topics.mjs exit code; it printed:%n%s%s", run.stderr(),
                run.stdout()).isZero();

        Map<String, JsonNode> decoded = new HashMap<>();
        for (String line : run.stdout().split("\n")) {
            if (!line.isBlank()) {
                JsonNode json = JSON.readTree(line);
                decoded.put(json.path("topic").asText(), json);
            }
        }
        assertThat(decoded).as("topics node decoded").containsOnlyKeys(written.keySet());
        for (Map.Entry<String, Written> entry : written.entrySet()) {
            String topic = entry.getKey();
            Written record = entry.getValue();
            JsonNode line = decoded.get(topic);
            int id = WireFormat.schemaId(record.value());
            assertThat(line.path("key").asText()).as("%s key", topic).isEqualTo(record.key());
            assertThat(line.path("header_schema_id").asInt()).as("%s schema id in the header", topic).isEqualTo(id);
            assertThat(line.path("latest_schema_id").asInt()).as("%s latest id by Confluent's client", topic)
                    .isEqualTo(id)
                    .isEqualTo(registry.latestVersion(topic + "-value").id());
            JsonNode expected = PlainJson.of(record.record());
            assertThat(PlainJson.difference(expected, line.path("value")))
                    .as("%s as Confluent's deserializer decoded it, against what pgpulse wrote", topic)
                    .isEmpty();
        }
    }

    private static <T extends SpecificRecord> Written write(AvroSerdes serdes, String topic, Class<T> type,
            Function<T, String> key) {
        T record = SampleRecords.of(type, topic.hashCode());
        return new Written(key.apply(record), record, serdes.serializer(type).serialize(topic, record));
    }

    private static void produce(Map<String, Written> written) throws Exception {
        // LZ4 as the collector publishes snapshots: a consumer that cannot inflate it reads nothing.
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            for (Map.Entry<String, Written> entry : written.entrySet()) {
                producer.send(new ProducerRecord<>(entry.getKey(), entry.getValue().key(), entry.getValue().value()))
                        .get();
            }
        }
    }

    /** One record as pgpulse wrote it: its key, the record, and its wire-format bytes. */
    private record Written(String key, SpecificRecord record, byte[] value) {
    }
}
