package io.pgpulse.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The registry's in-memory view: every subject's versions and every schema id, rebuilt from
 * {@code _schemas} at start and kept current by the topic reader. Thread-safe; the reader
 * thread writes, request threads read.
 */
final class SchemaCatalog {

    private final Map<String, NavigableMap<Integer, SchemaVersion>> subjects = new TreeMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private int maxId;

    synchronized void apply(SchemaVersion version) {
        subjects.computeIfAbsent(version.subject(), s -> new TreeMap<>()).put(version.version(), version);
        schemasById.put(version.id(), version.schema());
        idsBySchema.putIfAbsent(version.schema(), version.id());
        maxId = Math.max(maxId, version.id());
    }

    synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    synchronized List<Integer> versions(String subject) {
        return List.copyOf(versionsOf(subject).keySet());
    }

    synchronized SchemaVersion version(String subject, int version) {
        SchemaVersion found = versionsOf(subject).get(version);
        if (found == null) {
            throw RegistryException.versionNotFound(version);
        }
        return found;
    }

    synchronized SchemaVersion latest(String subject) {
        return versionsOf(subject).lastEntry().getValue();
    }

    /** The latest version of {@code subject}, or empty for a subject never registered. */
    synchronized Optional<SchemaVersion> latestIfAny(String subject) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        return versions == null ? Optional.empty() : Optional.of(versions.lastEntry().getValue());
    }

    /** The version of {@code subject} whose canonical schema equals {@code schema}, if any. */
    synchronized Optional<SchemaVersion> find(String subject, String schema) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        if (versions == null) {
            return Optional.empty();
        }
        return versions.values().stream().filter(v -> v.schema().equals(schema)).findFirst();
    }

    synchronized Optional<String> schema(int id) {
        return Optional.ofNullable(schemasById.get(id));
    }

    /** The id a canonical schema already has under any subject. */
    synchronized Optional<Integer> idOf(String schema) {
        return Optional.ofNullable(idsBySchema.get(schema));
    }

    synchronized List<SchemaVersion> usesOf(int id) {
        List<SchemaVersion> uses = new ArrayList<>();
        for (NavigableMap<Integer, SchemaVersion> versions : subjects.values()) {
            versions.values().stream().filter(v -> v.id() == id).forEach(uses::add);
        }
        return uses;
    }

    synchronized int maxId() {
        return maxId;
    }

    private NavigableMap<Integer, SchemaVersion> versionsOf(String subject) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        if (versions == null) {
            throw RegistryException.subjectNotFound(subject);
        }
        return versions;
    }
}
