package io.pgpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.registry.SchemaRegistryServer;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Confluent wire format, byte for byte, through the real registry on a real broker. The
 * expected payloads are written out by hand from the Avro specification (zig-zag varints,
 * length-prefixed strings, union branch index before the value), not produced by Avro.
 */
class AvroSerdeIT {

    /** ObjectRef{kind=TABLE, schema_name="public", name="users", oid=16384}, encoded by hand. */
    private static final byte[] USERS_TABLE_PAYLOAD = {
        0x02,                                          // kind: enum symbol 1 (TABLE), zig-zag 1 = 0x02
        0x02, 0x0C, 'p', 'u', 'b', 'l', 'i', 'c',      // schema_name: union branch 1 (string), length 6, "public"
        0x0A, 'u', 's', 'e', 'r', 's',                 // name: length 5, "users"
        (byte) 0x80, (byte) 0x80, 0x02                 // oid: 16384, zig-zag 32768 = varint 80 80 02
    };

    private static final Schema FIXTURE = new Schema.Parser().parse("""
            {"type":"record","name":"Fixture","namespace":"it.serde","fields":[
              {"name":"id","type":"long"},{"name":"label","type":"string"}]}""");

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
    void generatedRecordIsWrittenAsMagicIdAndAvroBinary() {
        AvroSerializer<ObjectRef> serializer = AvroSerializer.forClass(ObjectRef.class, registry, false, true);
        byte[] bytes = serializer.serialize("wire.tables", usersTable());

        int id = registry.latestVersion("wire.tables-value").id();
        assertThat(bytes).isEqualTo(concat(header(id), USERS_TABLE_PAYLOAD));
    }

    @Test
    void genericRecordIsWrittenWithItsOwnSchemaUnderTheKeySubject() {
        GenericRecord record = new GenericData.Record(FIXTURE);
        record.put("id", -3L);
        record.put("label", "ok");
        byte[] bytes = new AvroSerializer<GenericRecord>(null, registry, true, true).serialize("wire.generic", record);

        RegisteredSchema registered = registry.latestVersion("wire.generic-key");
        assertThat(registered.schema()).isEqualTo(FIXTURE);
        assertThatThrownBy(() -> registry.latestVersion("wire.generic-value"))
                .isInstanceOf(SubjectNotFoundException.class);
        // id -3: zig-zag 5 = 0x05; label: length 2 = 0x04, "ok"
        assertThat(bytes).isEqualTo(concat(header(registered.id()), new byte[] {0x05, 0x04, 'o', 'k'}));

        GenericRecord back = AvroDeserializer.<GenericRecord>generic(registry).deserialize("wire.generic", bytes);
        assertThat(back).isEqualTo(record);
    }

    @Test
    void handBuiltRecordFromTheSpecDecodes() {
        int id = registry.register("wire.handmade-value", ObjectRef.getClassSchema());
        byte[] handMade = concat(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id},
                USERS_TABLE_PAYLOAD);

        ObjectRef decoded = AvroDeserializer.forClass(ObjectRef.class, registry).deserialize("wire.handmade", handMade);
        assertThat(decoded).isEqualTo(usersTable());
    }

    @Test
    void withAutoRegisterOffOnlyRegisteredSchemasAreWritten() {
        AvroSerializer<ObjectRef> strict = AvroSerializer.forClass(ObjectRef.class,
                new RegistryClient(runtime.registryUrl()), false, false);
        assertThatThrownBy(() -> strict.serialize("wire.strict", usersTable()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("wire.strict-value")
                .hasMessageContaining("auto-register is off")
                .hasCauseInstanceOf(SubjectNotFoundException.class);

        int id = registry.register("wire.strict-value", ObjectRef.getClassSchema());
        assertThat(Arrays.copyOf(strict.serialize("wire.strict", usersTable()), 5)).isEqualTo(header(id));
    }

    @Test
    void knownIdsNeedNoRegistry() throws IOException {
        EmbeddedKafka ownKafka = EmbeddedKafka.start();
        try {
            SchemaRegistryServer ownServer = SchemaRegistryServer.start(ownKafka.bootstrapServers(), 0);
            RegistryClient client = RegistryClient.builder(ownServer.url())
                    .retries(1, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(10)).build();
            AvroSerializer<ObjectRef> serializer = AvroSerializer.forClass(ObjectRef.class, client, false, true);
            AvroDeserializer<ObjectRef> deserializer = AvroDeserializer.forClass(ObjectRef.class, client);
            byte[] first = serializer.serialize("wire.cached", usersTable());
            assertThat(deserializer.deserialize("wire.cached", first)).isEqualTo(usersTable());

            ownServer.close();
            // The registry is gone: ids and schemas already seen come from the client's cache.
            byte[] second = serializer.serialize("wire.cached", usersTable());
            assertThat(second).isEqualTo(first);
            assertThat(deserializer.deserialize("wire.cached", second)).isEqualTo(usersTable());
            assertThatThrownBy(() -> serializer.serialize("wire.other", usersTable()))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("unreachable");
        } finally {
            ownKafka.close();
        }
    }

    @Test
    void malformedRecordsRaiseSerializationErrorsThatSayWhy() {
        AvroDeserializer<ObjectRef> deserializer = AvroDeserializer.forClass(ObjectRef.class, registry);
        int id = registry.register("wire.bad-value", ObjectRef.getClassSchema());
        byte[] good = concat(header(id), USERS_TABLE_PAYLOAD);

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 1;
        assertThatThrownBy(() -> deserializer.deserialize("wire.bad", wrongMagic))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown magic byte 1");

        byte[] unknownId = concat(header(987_654), USERS_TABLE_PAYLOAD);
        assertThatThrownBy(() -> deserializer.deserialize("wire.bad", unknownId))
                .isInstanceOf(SerializationException.class).hasMessageContaining("schema id 987654 is unknown")
                .hasCauseInstanceOf(SchemaNotFoundException.class);

        byte[] truncated = Arrays.copyOf(good, good.length - 2);
        assertThatThrownBy(() -> deserializer.deserialize("wire.bad", truncated))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");

        byte[] overlong = concat(good, new byte[] {0x02});
        assertThatThrownBy(() -> deserializer.deserialize("wire.bad", overlong))
                .isInstanceOf(SerializationException.class).hasMessageContaining("bytes left over");

        assertThatThrownBy(() -> deserializer.deserialize("wire.bad", new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("too short");

        // A plain JSON payload, as a misconfigured producer would send.
        byte[] json = "{\"name\":\"users\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> deserializer.deserialize("wire.bad", json))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");

        assertThat(deserializer.deserialize("wire.bad", good)).isEqualTo(usersTable());
    }

    @Test
    void serdeBuiltFromKafkaPropertiesUsesConfluentKeys() {
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>();
        serializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, runtime.registryUrl()), false);
        AvroDeserializer<ObjectRef> deserializer = new AvroDeserializer<>();
        deserializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, runtime.registryUrl(),
                SerdeConfig.SPECIFIC_AVRO_READER, "true"), false);
        @SuppressWarnings("unchecked")
        AvroSerializer<ObjectRef> specific = (AvroSerializer<ObjectRef>) (AvroSerializer<?>) serializer;

        byte[] bytes = specific.serialize("wire.configured", usersTable());
        assertThat(deserializer.deserialize("wire.configured", bytes)).isEqualTo(usersTable());

        AvroSerializer<GenericRecord> unconfigured = new AvroSerializer<>();
        assertThatThrownBy(() -> unconfigured.configure(Map.of(), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema.registry.url");
    }

    private static ObjectRef usersTable() {
        return ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public").setName("users")
                .setOid(16384).build();
    }

    /** The five-byte header, written out from the spec: magic 0, then the id big-endian. */
    private static byte[] header(int id) {
        return new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
