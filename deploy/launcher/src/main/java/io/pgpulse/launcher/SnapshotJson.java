package io.pgpulse.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * A snapshot (any Avro record) as plain JSON for people: field names as in the schema,
 * unions without their type wrappers, timestamps as ISO-8601 text, nulls kept so an
 * absent section is visible. Avro's own JSON encoding is for machines; this is for a
 * terminal.
 */
final class SnapshotJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SnapshotJson() {
    }

    static String toJson(IndexedRecord record) {
        try {
            return MAPPER.writeValueAsString(tree(record));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a snapshot always converts to JSON", e);
        }
    }

    static JsonNode tree(IndexedRecord record) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            node.set(field.name(), value(record.get(field.pos())));
        }
        return node;
    }

    private static JsonNode value(Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value == null) {
            return f.nullNode();
        }
        if (value instanceof IndexedRecord r) {
            return tree(r);
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode node = f.objectNode();
            map.forEach((k, v) -> node.set(String.valueOf(k), value(v)));
            return node;
        }
        if (value instanceof Collection<?> list) {
            ArrayNode node = f.arrayNode();
            list.forEach(v -> node.add(value(v)));
            return node;
        }
        if (value instanceof Instant instant) {
            return f.textNode(instant.toString());
        }
        if (value instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (value instanceof Integer i) {
            return f.numberNode(i);
        }
        if (value instanceof Long l) {
            return f.numberNode(l);
        }
        if (value instanceof Double d) {
            return f.numberNode(d);
        }
        if (value instanceof Float fl) {
            return f.numberNode(fl);
        }
        return f.textNode(value.toString());
    }
}
