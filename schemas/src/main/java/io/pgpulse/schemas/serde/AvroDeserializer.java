package io.pgpulse.schemas.serde;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads records in the Confluent wire format. The writer's schema comes from the registry by
 * the id in the record; Avro's schema resolution maps it onto the reader schema, so older and
 * newer writers both work. With a reader schema of a generated class the result is that
 * class; without one ({@link #generic}) it is a {@code GenericRecord} in the writer's schema.
 *
 * <p>Anything that is not a whole, valid record raises a {@link SerializationException} that
 * says why (wrong magic byte, unknown schema id, truncated or overlong payload); the stream
 * processor sends those to the DLQ with that message.
 */
public final class AvroDeserializer<T extends IndexedRecord> implements Deserializer<T> {

    private Schema readerSchema;
    private SchemaRegistry registry;
    private boolean specific;
    private final Map<Integer, GenericDatumReader<T>> readersById = new ConcurrentHashMap<>();

    /**
     * A deserializer into {@code readerSchema}: a generated class's schema gives that class.
     */
    public AvroDeserializer(Schema readerSchema, SchemaRegistry registry) {
        this.readerSchema = Objects.requireNonNull(readerSchema, "readerSchema");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.specific = true;
    }

    private AvroDeserializer(SchemaRegistry registry, Schema readerSchema, boolean specific) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.readerSchema = readerSchema;
        this.specific = specific;
    }

    /** For Kafka to build from properties; {@link #configure} must follow (see {@link SerdeConfig}). */
    public AvroDeserializer() {
    }

    /** A deserializer that returns {@code GenericRecord}s in each record's writer schema. */
    public static <T extends IndexedRecord> AvroDeserializer<T> generic(SchemaRegistry registry) {
        return new AvroDeserializer<>(registry, null, false);
    }

    /**
     * A deserializer that returns {@code GenericRecord}s in {@code readerSchema}, resolved from
     * each record's writer schema: what a consumer without generated classes uses to pin the
     * shape it reads.
     */
    public static <T extends IndexedRecord> AvroDeserializer<T> generic(SchemaRegistry registry, Schema readerSchema) {
        return new AvroDeserializer<>(registry, Objects.requireNonNull(readerSchema, "readerSchema"), false);
    }

    /** A deserializer into the generated class {@code type}. */
    public static <T extends SpecificRecord> AvroDeserializer<T> forClass(Class<T> type, SchemaRegistry registry) {
        return new AvroDeserializer<>(SpecificData.get().getSchema(type), registry);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.registry = SerdeConfig.registry(configs);
        this.specific = SerdeConfig.flag(configs, SerdeConfig.SPECIFIC_AVRO_READER, false);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (registry == null) {
            throw new IllegalStateException("AvroDeserializer used before configure(): "
                    + SerdeConfig.SCHEMA_REGISTRY_URL + " is not set");
        }
        int id = WireFormat.schemaId(data);
        GenericDatumReader<T> reader = readersById.computeIfAbsent(id, this::readerFor);
        String what = (readerSchema != null ? readerSchema.getName() : "a record") + " with schema id " + id
                + " from topic " + topic + " (" + data.length + " bytes)";
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_BYTES, data.length - WireFormat.HEADER_BYTES, null);
        T record;
        try {
            record = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode " + what + ": payload truncated or not written with"
                    + " that schema: " + e, e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new SerializationException("cannot decode " + what + ": bytes left over after the record;"
                        + " payload not written with that schema");
            }
        } catch (IOException e) {
            throw new SerializationException("cannot decode " + what + ": " + e, e);
        }
        return record;
    }

    private GenericDatumReader<T> readerFor(int id) {
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(id);
        } catch (RegistryException e) {
            throw new SerializationException("schema id " + id + " is unknown to the registry: " + e.getMessage(), e);
        }
        if (readerSchema != null) {
            return specific
                    ? new SpecificDatumReader<>(writerSchema, readerSchema, SpecificData.getForSchema(readerSchema))
                    : new GenericDatumReader<>(writerSchema, readerSchema, GenericData.get());
        }
        return specific
                ? new SpecificDatumReader<>(writerSchema, writerSchema, SpecificData.getForSchema(writerSchema))
                : new GenericDatumReader<>(writerSchema, writerSchema, GenericData.get());
    }
}
