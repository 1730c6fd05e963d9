package io.pgpulse.schemas.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: one magic byte (0), the schema id as a 4-byte
 * big-endian integer, then the Avro binary encoding of the record.
 * See https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
 */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_BYTES = 5;

    private WireFormat() {
    }

    /** Writes the header for {@code schemaId} into the first five bytes of {@code target}. */
    static void writeHeader(byte[] target, int schemaId) {
        target[0] = MAGIC_BYTE;
        ByteBuffer.wrap(target, 1, 4).putInt(schemaId);
    }

    /** Returns the schema id of a record in the wire format, or throws saying what is wrong with it. */
    public static int schemaId(byte[] data) {
        if (data.length < HEADER_BYTES) {
            throw new SerializationException("record of " + data.length
                    + " bytes is too short for the Confluent wire format (5-byte header expected)");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new SerializationException("unknown magic byte " + data[0]
                    + ": not a record in the Confluent wire format (magic byte 0 expected)");
        }
        return ByteBuffer.wrap(data, 1, 4).getInt();
    }
}
