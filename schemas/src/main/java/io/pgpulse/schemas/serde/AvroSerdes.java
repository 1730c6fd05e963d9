package io.pgpulse.schemas.serde;

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

    public AvroSerdes(String registryUrl) {
        this(new RegistryClient(registryUrl), true);
    }

    public SchemaRegistry registry() {
        return registry;
    }

    /** A value serde for the generated class {@code type}. */
    public <T extends SpecificRecord> Serde<T> value(Class<T> type) {
        org.apache.avro.Schema schema = org.apache.avro.specific.SpecificData.get().getSchema(type);
        return Serdes.serdeFrom(new AvroSerializer<>(schema, registry, false, autoRegister),
                new AvroDeserializer<>(schema, registry));
    }

    /** A serializer for values of {@code type}. */
    public <T extends SpecificRecord> AvroSerializer<T> serializer(Class<T> type) {
        return new AvroSerializer<>(org.apache.avro.specific.SpecificData.get().getSchema(type), registry, false,
                autoRegister);
    }

    /** A deserializer for values of {@code type}. */
    public <T extends SpecificRecord> AvroDeserializer<T> deserializer(Class<T> type) {
        return new AvroDeserializer<>(org.apache.avro.specific.SpecificData.get().getSchema(type), registry);
    }
}
