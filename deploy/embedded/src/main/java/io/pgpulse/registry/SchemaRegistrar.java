package io.pgpulse.registry;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Registers and looks up Avro schemas under subjects, with Confluent's rules: a schema already
 * registered under the subject keeps its version and id, a schema known under another subject
 * keeps its id, and a new version must pass the subject's compatibility level (its own, else
 * the global one; {@link CompatibilityLevel#DEFAULT} unless configured).
 *
 * <p>Schemas are compared by their canonical JSON ({@code Schema.toString()} after parsing), so
 * whitespace and key order do not matter but defaults, docs and aliases do. Avro's "Parsing
 * Canonical Form" is deliberately not used: it drops defaults, and a schema that only adds a
 * default would come back as the old one.
 *
 * <p>A new version is a claim written to {@code _schemas}; the log decides which of two racing
 * claims wins ({@link SchemaCatalog}), and a lost claim is retried against the new state.
 * Within one process registrations are serialised, so they never race each other.
 */
final class SchemaRegistrar {

    /** Claims lost in a row before giving up; each loss means another registry made progress. */
    private static final int MAX_CLAIMS = 10;

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
        // Another registry on the topic may have registered it, or moved the subject on.
        topic.catchUp(writeTimeout);
        for (int claim = 1; claim <= MAX_CLAIMS; claim++) {
            existing = catalog.find(subject, canonical);
            if (existing.isPresent()) {
                return existing.get().id();
            }
            List<SchemaVersion> history = catalog.history(subject);
            List<Incompatibility> problems = catalog.effectiveLevel(subject)
                    .problems(parse(canonical), history.stream().map(v -> parse(v.schema())).toList());
            if (!problems.isEmpty()) {
                throw new RegistryException(RegistryException.INCOMPATIBLE_SCHEMA,
                        "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                                + "\", details: " + describe(problems));
            }
            int id = catalog.idOf(canonical).orElseGet(() -> catalog.maxId() + 1);
            int version = history.isEmpty() ? 1 : history.get(history.size() - 1).version() + 1;
            topic.append(new SchemaVersion(subject, version, id, canonical, SchemaVersion.AVRO), writeTimeout);
        }
        existing = catalog.find(subject, canonical);
        return existing.map(SchemaVersion::id).orElseThrow(() -> new RegistryException(RegistryException.STORE_ERROR,
                "Could not register under " + subject + ": " + MAX_CLAIMS
                        + " claims in a row lost to other registries writing the same topic"));
    }

    /** The version of {@code subject} holding {@code schemaText}. */
    SchemaVersion lookup(String subject, String schemaText, String schemaType) {
        String canonical = canonical(schemaText, schemaType);
        Optional<SchemaVersion> found = catalog.find(subject, canonical);
        if (found.isEmpty()) {
            topic.catchUp(writeTimeout);
            found = catalog.find(subject, canonical);
        }
        catalog.versions(subject); // 40401 before 40403, as Confluent answers
        return found.orElseThrow(() -> RegistryException.schemaNotFound("Schema"));
    }

    /** The schema with {@code id}, reading on in the topic once if another registry may just have added it. */
    String schema(int id) {
        Optional<String> found = catalog.schema(id);
        if (found.isEmpty() && id > 0) {
            topic.catchUp(writeTimeout);
            found = catalog.schema(id);
        }
        return found.orElseThrow(() -> RegistryException.schemaNotFound("Schema " + id));
    }

    /** Whether {@code schemaText} could follow {@code against} of its subject under the subject's level. */
    boolean isCompatible(String schemaText, String schemaType, SchemaVersion against) {
        List<Schema> earlier = catalog.history(against.subject()).stream()
                .filter(v -> v.version() <= against.version())
                .map(v -> parse(v.schema()))
                .toList();
        return catalog.effectiveLevel(against.subject()).problems(parse(canonical(schemaText, schemaType)), earlier)
                .isEmpty();
    }

    /** Sets the compatibility level of {@code subject} (null: the global one). */
    void configure(String subject, CompatibilityLevel level) {
        topic.appendConfig(subject, level, writeTimeout);
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

    private static Schema parse(String canonical) {
        return new Schema.Parser().parse(canonical);
    }

    private static String describe(List<Incompatibility> problems) {
        return problems.stream()
                .map(p -> "{errorType:'" + p.getType() + "', description:'" + p.getMessage()
                        + "', path:'" + p.getLocation() + "'}")
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
