package io.pgpulse.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes generated Avro records in the Confluent wire format. The subject follows
 * Confluent's TopicNameStrategy: {@code <topic>-value} (or {@code -key}).
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final Schema schema;
    private final SchemaRegistry registry;
    private final boolean isKey;
    private final boolean autoRegister;
    private final SpecificDatumWriter<T> writer;

    public AvroSerializer(Schema schema, SchemaRegistry registry, boolean isKey, boolean autoRegister) {
        this.schema = schema;
        this.registry = registry;
        this.isKey = isKey;
        this.autoRegister = autoRegister;
        this.writer = new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema));
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        String subject = topic + (isKey ? "-key" : "-value");
        try {
            int id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(new byte[WireFormat.HEADER_BYTES]);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
            byte[] bytes = out.toByteArray();
            WireFormat.writeHeader(bytes, id);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot serialize " + schema.getName() + " for subject " + subject
                    + ": " + e.getMessage(), e);
        }
    }
}
