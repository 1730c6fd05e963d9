package io.pgpulse.processor;

import io.pgpulse.avro.PgSnapshot;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes raw snapshot bytes, or says why it cannot. Decoding happens inside the
 * topology (not in the source's serde) so that a record that does not decode can
 * be routed to the dead-letter topic with its reason, and processing goes on.
 */
final class SnapshotDecoder {

    /** A decoded snapshot or the reason there is none, next to the original bytes. */
    record Decoded(byte[] raw, PgSnapshot snapshot, String error) {
        boolean ok() {
            return snapshot != null;
        }
    }

    private final Deserializer<PgSnapshot> deserializer;

    SnapshotDecoder(Deserializer<PgSnapshot> deserializer) {
        this.deserializer = deserializer;
    }

    Decoded decode(String topic, String key, byte[] raw) {
        if (raw == null) {
            return new Decoded(null, null, "empty record (tombstone) where a snapshot was expected");
        }
        try {
            PgSnapshot snapshot = deserializer.deserialize(topic, raw);
            if (key == null || !key.equals(snapshot.getSourceId())) {
                return new Decoded(raw, null, "record key '" + key + "' does not match source_id '"
                        + snapshot.getSourceId() + "'");
            }
            return new Decoded(raw, snapshot, null);
        } catch (RuntimeException e) {
            return new Decoded(raw, null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
