package io.pgpulse.processor.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Plain Avro binary for the processor's own state stores and changelogs, without
 * the registry: only this application reads them, with the schema it was built
 * with, so a registry round trip would buy nothing. A one-byte format version
 * leads each value so that a future change of the stored shape can be detected.
 */
public final class StateSerde<T extends SpecificRecord> implements Serde<T> {

    private static final byte FORMAT_VERSION = 1;

    private final Schema schema;
    private final SpecificDatumWriter<T> writer;
    private final SpecificDatumReader<T> reader;

    public StateSerde(Class<T> type) {
        this.schema = SpecificData.get().getSchema(type);
        SpecificData model = SpecificData.getForSchema(schema);
        this.writer = new SpecificDatumWriter<>(schema, model);
        this.reader = new SpecificDatumReader<>(schema, schema, model);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream(256);
                out.write(FORMAT_VERSION);
                BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
                writer.write(value, encoder);
                encoder.flush();
                return out.toByteArray();
            } catch (IOException e) {
                throw new SerializationException("cannot write " + schema.getName() + " state", e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length == 0 || bytes[0] != FORMAT_VERSION) {
                throw new SerializationException("state of " + schema.getName() + " has format version "
                        + (bytes.length == 0 ? "none" : bytes[0]) + ", expected " + FORMAT_VERSION);
            }
            try {
                BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
                return reader.read(null, decoder);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot read " + schema.getName() + " state", e);
            }
        };
    }
}
