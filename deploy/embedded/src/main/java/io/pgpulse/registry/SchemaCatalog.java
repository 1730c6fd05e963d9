package io.pgpulse.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The registry's in-memory view of {@code _schemas}: every subject's versions, every schema
 * id, and the compatibility config, rebuilt from the topic at start and kept current by the
 * topic reader. Thread-safe; the reader thread writes, request threads read.
 *
 * <p><b>How ids stay unique with several registries on one topic.</b> A registry that wants a
 * new version writes a <em>claim</em> (subject, version, id, schema) and only then looks at
 * what the log decided. Every instance applies the log in offset order with the same rules, so
 * the first claim wins and all instances, and every restart, agree:
 * <ul>
 *   <li>a claim for an id that already names another schema is ignored;</li>
 *   <li>a claim giving a schema a second id is ignored (a schema keeps its first id);</li>
 *   <li>a claim for a version the subject already has (with another schema), or not above
 *       its latest, or for a schema the subject already holds, is ignored.</li>
 * </ul>
 * The loser sees its claim missing after reading its own record back and tries again with
 * what it now knows. Ignored claims still raise the highest id seen, so an id offered once
 * is never offered again, even for the schema it was first offered for. Claims have distinct
 * keys (the id is part of the key), so compaction never replaces a winning claim by a losing
 * one and a replay after compaction reaches the same state.
 */
final class SchemaCatalog {

    private final Map<String, NavigableMap<Integer, SchemaVersion>> subjects = new TreeMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.DEFAULT;
    private int maxId;

    /** Applies a claim from the log; returns whether it won (see the class comment). */
    synchronized boolean apply(SchemaVersion claim) {
        maxId = Math.max(maxId, claim.id());
        String holder = schemasById.get(claim.id());
        if (holder != null && !holder.equals(claim.schema())) {
            return false;
        }
        Integer known = idsBySchema.get(claim.schema());
        if (known != null && known != claim.id()) {
            return false;
        }
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(claim.subject());
        if (versions != null) {
            SchemaVersion taken = versions.get(claim.version());
            if (taken != null) {
                return taken.equals(claim);
            }
            if (claim.version() < versions.lastKey()
                    || versions.values().stream().anyMatch(v -> v.schema().equals(claim.schema()))) {
                return false;
            }
        }
        subjects.computeIfAbsent(claim.subject(), s -> new TreeMap<>()).put(claim.version(), claim);
        schemasById.put(claim.id(), claim.schema());
        idsBySchema.put(claim.schema(), claim.id());
        return true;
    }

    /** Applies a config record: {@code subject} null for the global level, {@code level} null to clear. */
    synchronized void applyConfig(String subject, CompatibilityLevel level) {
        if (subject == null) {
            globalLevel = level == null ? CompatibilityLevel.DEFAULT : level;
        } else if (level == null) {
            subjectLevels.remove(subject);
        } else {
            subjectLevels.put(subject, level);
        }
    }

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    /** The level set for {@code subject} itself, if any. */
    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** The level that applies to {@code subject}: its own, else the global one. */
    synchronized CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    synchronized List<Integer> versions(String subject) {
        return List.copyOf(versionsOf(subject).keySet());
    }

    /** Every version of {@code subject}, oldest first; empty for a subject never registered. */
    synchronized List<SchemaVersion> history(String subject) {
        NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
        return versions == null ? List.of() : List.copyOf(versions.values());
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

    /** The highest id any claim has named, won or not. */
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
