package io.pgpulse.registry;

import java.util.Objects;

/**
 * One version of one subject, as stored in {@code _schemas}.
 *
 * @param schema the schema in canonical JSON ({@code Schema.toString()} of the parsed schema)
 * @param schemaType always {@value SchemaVersion#AVRO} for now
 */
record SchemaVersion(String subject, int version, int id, String schema, String schemaType) {

    static final String AVRO = "AVRO";

    SchemaVersion {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(schemaType, "schemaType");
        if (version < 1 || id < 1) {
            throw new IllegalArgumentException("version and id start at 1, were " + version + " and " + id);
        }
    }
}
