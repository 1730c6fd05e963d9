package io.pgpulse.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Confluent's compatibility levels, checked with Avro's own reader/writer rules
 * ({@link SchemaCompatibility}). BACKWARD: the new schema can read data written with the
 * previous one (consumers upgrade first). FORWARD: the previous schema can read data written
 * with the new one (producers upgrade first). FULL: both. The {@code _TRANSITIVE} forms check
 * against every earlier version instead of only the latest.
 */
enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    /** The level of a registry that was never configured, as in Confluent's. */
    static final CompatibilityLevel DEFAULT = BACKWARD;

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** The level named {@code text}, or a 42203 error naming the allowed values. */
    static CompatibilityLevel parse(String text) {
        if (text != null) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // fall through to the error that lists what is allowed
            }
        }
        throw new RegistryException(RegistryException.INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive,"
                        + " forward_transitive, and full_transitive; found " + text);
    }

    /**
     * What keeps {@code candidate} from following {@code earlier} (oldest first) under this
     * level; empty when it may be registered.
     */
    List<Incompatibility> problems(Schema candidate, List<Schema> earlier) {
        List<Incompatibility> problems = new ArrayList<>();
        if (earlier.isEmpty()) {
            return problems;
        }
        List<Schema> against = transitive ? earlier : List.of(earlier.get(earlier.size() - 1));
        for (Schema previous : against) {
            if (backward) {
                problems.addAll(check(candidate, previous));
            }
            if (forward) {
                problems.addAll(check(previous, candidate));
            }
        }
        return problems;
    }

    private static List<Incompatibility> check(Schema reader, Schema writer) {
        SchemaCompatibilityResult result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
                .getResult();
        return result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE
                ? List.of()
                : result.getIncompatibilities();
    }
}
