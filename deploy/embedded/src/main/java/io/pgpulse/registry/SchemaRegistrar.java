package io.pgpulse.registry;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Registers and looks up Avro schemas under subjects, with Confluent's rules: a schema already
 * registered under the subject keeps its version and id, a schema known under another subject
 * keeps its id, and a new version must be BACKWARD compatible with the latest one (it can read
 * what the latest wrote).
 *
 * <p>Schemas are compared by their canonical JSON ({@code Schema.toString()} after parsing), so
 * whitespace and key order do not matter but defaults, docs and aliases do. Avro's "Parsing
 * Canonical Form" is deliberately not used: it drops defaults, and a schema that only adds a
 * default would come back as the old one.
 *
 * <p>One writer is assumed (this process): ids are the highest seen plus one. Registrations
 * are serialised so two requests cannot take the same id or version.
 */
final class SchemaRegistrar {

    static final String COMPATIBILITY_LEVEL = "BACKWARD";

    private final SchemaCatalog catalog;
    private final SchemasTopic topic;
    private final Duration writeTimeout;

    SchemaRegistrar(SchemaCatalog catalog, SchemasTopic topic, Duration writeTimeout) {
        this.catalog = catalog;
        this.topic = topic;
        this.writeTimeout = writeTimeout;
    }

    /** The id of {@code schemaText} under {@code subject}, registering it as a new version if needed. */
    synchronized int register(String subject, String schemaText, String schemaType) {
        String canonical = canonical(schemaText, schemaType);
        Optional<SchemaVersion> existing = catalog.find(subject, canonical);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        Optional<SchemaVersion> latest = catalog.latestIfAny(subject);
        if (latest.isPresent()) {
            List<Incompatibility> problems = incompatibilities(canonical, latest.get().schema());
            if (!problems.isEmpty()) {
                throw new RegistryException(RegistryException.INCOMPATIBLE_SCHEMA,
                        "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                                + "\", details: " + describe(problems));
            }
        }
        int id = catalog.idOf(canonical).orElseGet(() -> catalog.maxId() + 1);
        int version = latest.map(v -> v.version() + 1).orElse(1);
        topic.append(new SchemaVersion(subject, version, id, canonical, SchemaVersion.AVRO), writeTimeout);
        return id;
    }

    /** The version of {@code subject} holding {@code schemaText}. */
    SchemaVersion lookup(String subject, String schemaText, String schemaType) {
        catalog.versions(subject); // 40401 before 40403, as Confluent answers
        String canonical = canonical(schemaText, schemaType);
        return catalog.find(subject, canonical)
                .orElseThrow(() -> RegistryException.schemaNotFound("Schema"));
    }

    /** Whether {@code schemaText} could be registered after {@code against} of its subject. */
    boolean isCompatible(String schemaText, String schemaType, SchemaVersion against) {
        return incompatibilities(canonical(schemaText, schemaType), against.schema()).isEmpty();
    }

    /** Parses and validates a schema from a request, returning its canonical JSON. */
    static String canonical(String schemaText, String schemaType) {
        if (schemaType != null && !SchemaVersion.AVRO.equals(schemaType)) {
            throw RegistryException.invalidSchema("schema type " + schemaType + " is not supported; only AVRO is");
        }
        if (schemaText == null || schemaText.isBlank()) {
            throw RegistryException.invalidSchema("the request has no \"schema\"");
        }
        try {
            return new Schema.Parser().parse(schemaText).toString();
        } catch (RuntimeException e) {
            throw new RegistryException(RegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage(), e);
        }
    }

    private static List<Incompatibility> incompatibilities(String reader, String writer) {
        SchemaCompatibilityResult result = SchemaCompatibility.checkReaderWriterCompatibility(
                new Schema.Parser().parse(reader), new Schema.Parser().parse(writer)).getResult();
        return result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE
                ? List.of()
                : result.getIncompatibilities();
    }

    private static String describe(List<Incompatibility> problems) {
        return problems.stream()
                .map(p -> "{errorType:'" + p.getType() + "', description:'" + p.getMessage()
                        + "', path:'" + p.getLocation() + "'}")
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
