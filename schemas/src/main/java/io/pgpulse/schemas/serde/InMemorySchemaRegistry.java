package io.pgpulse.schemas.serde;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry held in memory, for topology unit tests and tools that run without a
 * registry server. Ids are handed out in order; the same schema gets the same id
 * under every subject, as the real registry does. Integration tests use the real
 * registry server instead.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private final Map<Schema, Integer> ids = new HashMap<>();
    private final Map<Integer, Schema> schemas = new HashMap<>();
    private final Map<String, Map<Schema, Integer>> subjects = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = ids.computeIfAbsent(schema, s -> {
            int next = ids.size() + 1;
            schemas.put(next, s);
            return next;
        });
        subjects.computeIfAbsent(subject, s -> new HashMap<>()).put(schema, id);
        return id;
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        Integer id = subjects.getOrDefault(subject, Map.of()).get(schema);
        if (id == null) {
            throw new SchemaNotFoundException(404, RegistryException.SCHEMA_NOT_FOUND, "Schema not found under subject " + subject);
        }
        return id;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemas.get(id);
        if (schema == null) {
            throw new SchemaNotFoundException(404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }
}
