package io.pgpulse.schemas.serde;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Builds Kafka serdes for the generated pgpulse records, all sharing one registry client. */
public final class AvroSerdes {

    private final SchemaRegistry registry;
    private final boolean autoRegister;

    public AvroSerdes(SchemaRegistry registry, boolean autoRegister) {
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    /** Serdes over a {@link RegistryClient} of {@code registryUrl}, registering schemas as needed. */
    public AvroSerdes(String registryUrl) {
        this(new RegistryClient(registryUrl), true);
    }

    public SchemaRegistry registry() {
        return registry;
    }

    /** A value serde for the generated class {@code type}. */
    public <T extends SpecificRecord> Serde<T> value(Class<T> type) {
        return Serdes.serdeFrom(serializer(type, false), deserializer(type));
    }

    /** A key serde for the generated class {@code type} (subject {@code <topic>-key}). */
    public <T extends SpecificRecord> Serde<T> key(Class<T> type) {
        return Serdes.serdeFrom(serializer(type, true), deserializer(type));
    }

    /** A value serde for {@code GenericRecord}s: each written with its own schema, read in the writer's. */
    public Serde<GenericRecord> genericValue() {
        return Serdes.serdeFrom(new AvroSerializer<>(null, registry, false, autoRegister),
                AvroDeserializer.generic(registry));
    }

    /** A serializer for values of {@code type}. */
    public <T extends SpecificRecord> AvroSerializer<T> serializer(Class<T> type) {
        return serializer(type, false);
    }

    /** A serializer for keys ({@code isKey}) or values of {@code type}. */
    public <T extends SpecificRecord> AvroSerializer<T> serializer(Class<T> type, boolean isKey) {
        return new AvroSerializer<>(schemaOf(type), registry, isKey, autoRegister);
    }

    /** A deserializer for values (or keys) of {@code type}. */
    public <T extends SpecificRecord> AvroDeserializer<T> deserializer(Class<T> type) {
        return new AvroDeserializer<>(schemaOf(type), registry);
    }

    private static Schema schemaOf(Class<?> type) {
        return SpecificData.get().getSchema(type);
    }
}
