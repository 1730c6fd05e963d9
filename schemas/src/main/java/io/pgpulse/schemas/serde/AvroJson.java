package io.pgpulse.schemas.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * Avro records as plain JSON for people and scripts: field names as in the schema, unions
 * as their value (no type wrapper), timestamps as ISO-8601 strings, enums as their symbol,
 * nulls kept (an absent section stays visible) and NaN as null (JSON has no NaN). Avro's own
 * JSON encoding is for machines; this is what the fleet API and {@code pgpulse snapshot} print.
 */
public final class AvroJson {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AvroJson() {
    }

    public static JsonNode of(Object value) {
        if (value == null) {
            return JSON.nullNode();
        }
        if (value instanceof IndexedRecord record) {
            ObjectNode node = JSON.objectNode();
            for (Schema.Field field : record.getSchema().getFields()) {
                node.set(field.name(), of(record.get(field.pos())));
            }
            return node;
        }
        if (value instanceof Instant instant) {
            return JSON.textNode(instant.toString());
        }
        if (value instanceof CharSequence text) {
            return JSON.textNode(text.toString());
        }
        if (value instanceof Enum<?> e) {
            return JSON.textNode(e.name());
        }
        if (value instanceof GenericEnumSymbol<?> symbol) {
            return JSON.textNode(symbol.toString());
        }
        if (value instanceof Boolean b) {
            return JSON.booleanNode(b);
        }
        if (value instanceof Integer i) {
            return JSON.numberNode(i);
        }
        if (value instanceof Long l) {
            return JSON.numberNode(l);
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? JSON.nullNode() : JSON.numberNode(d);
        }
        if (value instanceof Float f) {
            return JSON.numberNode(f);
        }
        if (value instanceof ByteBuffer bytes) {
            ByteBuffer copy = bytes.duplicate();
            byte[] raw = new byte[copy.remaining()];
            copy.get(raw);
            return JSON.textNode(Base64.getEncoder().encodeToString(raw));
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode node = JSON.objectNode();
            map.forEach((k, v) -> node.set(String.valueOf(k), of(v)));
            return node;
        }
        if (value instanceof Collection<?> items) {
            ArrayNode node = JSON.arrayNode();
            items.forEach(item -> node.add(of(item)));
            return node;
        }
        return JSON.textNode(value.toString());
    }
}
