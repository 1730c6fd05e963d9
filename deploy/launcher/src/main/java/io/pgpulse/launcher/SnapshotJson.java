package io.pgpulse.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pgpulse.schemas.serde.AvroJson;
import org.apache.avro.generic.IndexedRecord;

/** A snapshot (any Avro record) as indented plain JSON ({@link AvroJson}) for a terminal. */
final class SnapshotJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SnapshotJson() {
    }

    static String toJson(IndexedRecord record) {
        try {
            return MAPPER.writeValueAsString(AvroJson.of(record));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a snapshot always converts to JSON", e);
        }
    }
}
