package io.pgpulse.processor;

import java.util.function.BiFunction;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decodes a record's raw bytes, or says why it cannot. Decoding happens inside the
 * topology (not in the source's serde) so that a record that does not decode can be
 * routed to the dead-letter topic with its reason, and processing goes on.
 *
 * @param <T> the Avro type the topic carries
 */
final class RecordDecoder<T> {

    /** A decoded value or the reason there is none, next to the original bytes. */
    record Decoded<T>(byte[] raw, T value, String error) {
        boolean ok() {
            return value != null;
        }
    }

    private final String what;
    private final Deserializer<T> deserializer;
    private final BiFunction<String, T, String> keyProblem;

    /**
     * @param what         what the topic carries, for the reason of a tombstone ("a snapshot")
     * @param keyProblem   given the key and the decoded value, why they do not belong together, or null
     */
    RecordDecoder(String what, Deserializer<T> deserializer, BiFunction<String, T, String> keyProblem) {
        this.what = what;
        this.deserializer = deserializer;
        this.keyProblem = keyProblem;
    }

    Decoded<T> decode(String topic, String key, byte[] raw) {
        if (raw == null) {
            return new Decoded<>(null, null, "empty record (tombstone) where " + what + " was expected");
        }
        try {
            T value = deserializer.deserialize(topic, raw);
            String problem = keyProblem.apply(key, value);
            return problem == null ? new Decoded<>(raw, value, null) : new Decoded<>(raw, null, problem);
        } catch (RuntimeException e) {
            return new Decoded<>(raw, null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
