package io.pgpulse.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in the Confluent wire format ({@link WireFormat}): generated classes
 * and {@code GenericRecord}s alike. The subject follows {@link TopicNameStrategy}; the writer
 * schema is the one given at construction or, when none was, the record's own. With
 * auto-register off, the schema must already be registered under the subject, which is how a
 * producer is kept from changing a contract by accident. Ids come from the registry client's
 * cache after the first record.
 */
public final class AvroSerializer<T extends IndexedRecord> implements Serializer<T> {

    private Schema schema;
    private SchemaRegistry registry;
    private boolean isKey;
    private boolean autoRegister;
    private final Map<Schema, GenericDatumWriter<T>> writers = new ConcurrentHashMap<>();

    /**
     * A serializer with a fixed writer schema.
     *
     * @param schema the writer schema; null to write each record with its own schema
     */
    public AvroSerializer(Schema schema, SchemaRegistry registry, boolean isKey, boolean autoRegister) {
        this.schema = schema;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.isKey = isKey;
        this.autoRegister = autoRegister;
    }

    /** For Kafka to build from properties; {@link #configure} must follow (see {@link SerdeConfig}). */
    public AvroSerializer() {
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.registry = SerdeConfig.registry(configs);
        this.autoRegister = SerdeConfig.flag(configs, SerdeConfig.AUTO_REGISTER_SCHEMAS, true);
        this.isKey = isKey;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        if (registry == null) {
            throw new IllegalStateException("AvroSerializer used before configure(): "
                    + SerdeConfig.SCHEMA_REGISTRY_URL + " is not set");
        }
        Schema writerSchema = schema != null ? schema : record.getSchema();
        String subject = TopicNameStrategy.subject(topic, isKey);
        int id;
        try {
            id = autoRegister ? registry.register(subject, writerSchema) : registry.lookup(subject, writerSchema);
        } catch (RegistryException e) {
            throw new SerializationException("cannot serialize " + writerSchema.getFullName() + " for subject "
                    + subject + ": " + (autoRegister ? "registration" : "lookup (auto-register is off)")
                    + " failed: " + e.getMessage(), e);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
            out.write(new byte[WireFormat.HEADER_BYTES]);
            // Buffered: the direct encoder hands every varint to the (synchronized) stream on its own,
            // which made large records (a snapshot, a window's metrics) several times slower to write.
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writers.computeIfAbsent(writerSchema, AvroSerializer::writerFor).write(record, encoder);
            encoder.flush();
            byte[] bytes = out.toByteArray();
            WireFormat.writeHeader(bytes, id);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot serialize " + writerSchema.getFullName() + " for subject "
                    + subject + ": " + e.getMessage(), e);
        }
    }

    private static <T> GenericDatumWriter<T> writerFor(Schema schema) {
        // Generated classes need SpecificData (it knows their enums and nested classes);
        // for schemas with no generated class, SpecificData falls back to generic behaviour.
        return new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema));
    }

    /** A serializer for a generated class, writing with that class's schema. */
    public static <T extends SpecificRecord> AvroSerializer<T> forClass(Class<T> type, SchemaRegistry registry,
            boolean isKey, boolean autoRegister) {
        return new AvroSerializer<>(SpecificData.get().getSchema(type), registry, isKey, autoRegister);
    }
}
