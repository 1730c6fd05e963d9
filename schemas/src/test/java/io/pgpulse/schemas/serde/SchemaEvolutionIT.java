package io.pgpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.sample.SampleRecords;
import java.io.IOException;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How {@code pgpulse.metrics.v1} may evolve: a v2 of {@code DerivedMetrics} that adds a field
 * with a default is registered under the same subject, and each side reads what the other
 * wrote; a change that would break v1 readers is refused by the registry with 409.
 */
class SchemaEvolutionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "evolution.metrics.v1";

    private static EmbeddedRuntime runtime;
    private static RegistryClient registry;

    @BeforeAll
    static void start() throws IOException {
        runtime = EmbeddedRuntime.start();
        registry = new RegistryClient(runtime.registryUrl());
    }

    @AfterAll
    static void stop() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void v1AndV2WithADefaultedFieldReadEachOther() throws IOException {
        Schema v1 = DerivedMetrics.getClassSchema();
        Schema v2 = withField(v1, field -> field.put("name", "p99_latency_ms")
                .put("doc", "added in v2").set("type", JSON.createArrayNode().add("null").add("double")),
                true);

        DerivedMetrics fromV1 = SampleRecords.of(DerivedMetrics.class, 1);
        byte[] writtenByV1 = AvroSerializer.forClass(DerivedMetrics.class, registry, false, true)
                .serialize(TOPIC, fromV1);
        GenericRecord fromV2 = SampleRecords.generic(v2, 2);
        byte[] writtenByV2 = new AvroSerializer<GenericRecord>(null, registry, false, true).serialize(TOPIC, fromV2);

        assertThat(registry.versions(TOPIC + "-value")).containsExactly(1, 2);
        assertThat(registry.version(TOPIC + "-value", 2).schema()).isEqualTo(v2);

        // A v1 consumer (generated classes) reads v2 data: the new field is skipped.
        DerivedMetrics readByV1 = AvroDeserializer.forClass(DerivedMetrics.class, registry)
                .deserialize(TOPIC, writtenByV2);
        assertThat(readByV1.getSourceId()).isEqualTo(fromV2.get("source_id"));
        assertThat(readByV1.getSnapshots()).isEqualTo(fromV2.get("snapshots"));
        assertThat(readByV1.getTables()).hasSize(((java.util.List<?>) fromV2.get("tables")).size());

        // A v2 consumer reads v1 data: the new field takes its default.
        AvroDeserializer<GenericRecord> v2Reader = AvroDeserializer.generic(registry, v2);
        GenericRecord readByV2 = v2Reader.deserialize(TOPIC, writtenByV1);
        assertThat(readByV2.get("p99_latency_ms")).isNull();
        assertThat(readByV2.get("source_id")).isEqualTo(fromV1.getSourceId());
        assertThat(readByV2.get("covered_ms")).isEqualTo(fromV1.getCoveredMs());
        assertThat(v2Reader.deserialize(TOPIC, writtenByV2)).isEqualTo(fromV2);
    }

    @Test
    void aChangeThatBreaksV1ReadersIsRefusedWith409() throws IOException {
        String topic = "evolution.breaking.v1";
        Schema v1 = DerivedMetrics.getClassSchema();
        AvroSerializer.forClass(DerivedMetrics.class, registry, false, true)
                .serialize(topic, SampleRecords.of(DerivedMetrics.class, 3));
        // A required field without default: v2 could not read what v1 wrote.
        Schema breaking = withField(v1, field -> field.put("name", "tenant").put("type", "string"), false);

        assertThat(registry.isCompatible(topic + "-value", breaking)).isFalse();
        assertThatThrownBy(() -> registry.register(topic + "-value", breaking))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("incompatible", "tenant");
                });
        assertThatThrownBy(() -> new AvroSerializer<GenericRecord>(null, registry, false, true)
                .serialize(topic, SampleRecords.generic(breaking, 4)))
                .isInstanceOf(SerializationException.class)
                .hasCauseInstanceOf(IncompatibleSchemaException.class);
        assertThat(registry.versions(topic + "-value")).containsExactly(1);
    }

    /** {@code schema} with one more field at the end, built by {@code describe}. */
    private static Schema withField(Schema schema, Consumer<ObjectNode> describe, boolean nullDefault)
            throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(schema.toString());
        ObjectNode field = ((ArrayNode) json.get("fields")).addObject();
        describe.accept(field);
        if (nullDefault) {
            field.putNull("default");
        }
        return new Schema.Parser().parse(json.toString());
    }
}
