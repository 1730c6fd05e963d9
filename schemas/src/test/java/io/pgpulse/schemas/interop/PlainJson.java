package io.pgpulse.schemas.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * An Avro datum as plain JSON, in the shape a JavaScript consumer gets from Confluent's Avro
 * deserializer (avsc underneath) once it is printed with {@code JSON.stringify}: records as
 * objects by field name, nullable unions unwrapped, enums as their symbol, timestamps as the
 * number they are on the wire (epoch milliseconds), bytes as hex. The interop test compares
 * what node printed with this view of the record Java wrote, field by field.
 */
final class PlainJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PlainJson() {
    }

    static JsonNode of(IndexedRecord record) {
        return value(record.getSchema(), record);
    }

    /**
     * The first place where {@code actual} differs from {@code expected}, as a path and both
     * values ({@code $.tables[3].n_dead_tup: expected 12, found 13}); empty when they hold the
     * same values. Numbers compare by value, so that a double JavaScript printed without a
     * fraction ({@code 12}) equals {@code 12.0}.
     */
    static Optional<String> difference(JsonNode expected, JsonNode actual) {
        return difference("$", expected, actual);
    }

    private static Optional<String> difference(String path, JsonNode expected, JsonNode actual) {
        if (expected.isNumber() && actual.isNumber()) {
            return expected.decimalValue().compareTo(actual.decimalValue()) == 0 ? Optional.empty()
                    : mismatch(path, expected, actual);
        }
        if (expected.isObject() && actual.isObject()) {
            Set<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            actual.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                Optional<String> inner = difference(path + "." + name, expected.path(name), actual.path(name));
                if (inner.isPresent()) {
                    return inner;
                }
            }
            return Optional.empty();
        }
        if (expected.isArray() && actual.isArray()) {
            if (expected.size() != actual.size()) {
                return Optional.of(path + ": expected " + expected.size() + " items, found " + actual.size());
            }
            for (int i = 0; i < expected.size(); i++) {
                Optional<String> inner = difference(path + "[" + i + "]", expected.get(i), actual.get(i));
                if (inner.isPresent()) {
                    return inner;
                }
            }
            return Optional.empty();
        }
        return expected.equals(actual) ? Optional.empty() : mismatch(path, expected, actual);
    }

    private static Optional<String> mismatch(String path, JsonNode expected, JsonNode actual) {
        return Optional.of(path + ": expected " + (expected.isMissingNode() ? "no such field" : expected)
                + ", found " + (actual.isMissingNode() ? "no such field" : actual));
    }

    private static JsonNode value(Schema schema, Object datum) {
        switch (schema.getType()) {
            case NULL:
                return NODES.nullNode();
            case UNION:
                return datum == null ? NODES.nullNode() : value(nonNullBranch(schema), datum);
            case RECORD: {
                IndexedRecord record = (IndexedRecord) datum;
                ObjectNode object = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    object.set(field.name(), value(field.schema(), record.get(field.pos())));
                }
                return object;
            }
            case ARRAY: {
                ArrayNode array = NODES.arrayNode();
                for (Object item : (List<?>) datum) {
                    array.add(value(schema.getElementType(), item));
                }
                return array;
            }
            case MAP: {
                ObjectNode object = NODES.objectNode();
                ((Map<?, ?>) datum).forEach((key, item) -> object.set(key.toString(), value(schema.getValueType(), item)));
                return object;
            }
            case ENUM:
                return NODES.textNode(datum instanceof GenericEnumSymbol<?> symbol ? symbol.toString()
                        : ((Enum<?>) datum).name());
            case STRING:
                return NODES.textNode(datum.toString());
            case BYTES: {
                ByteBuffer buffer = ((ByteBuffer) datum).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return NODES.textNode(HexFormat.of().formatHex(bytes));
            }
            case FIXED:
                return NODES.textNode(HexFormat.of().formatHex(((GenericFixed) datum).bytes()));
            case INT:
                return NODES.numberNode((Integer) datum);
            case LONG:
                return NODES.numberNode(datum instanceof Instant instant ? epoch(schema, instant) : (Long) datum);
            case FLOAT:
                return NODES.numberNode((double) (Float) datum);
            case DOUBLE:
                return NODES.numberNode((Double) datum);
            case BOOLEAN:
                return NODES.booleanNode((Boolean) datum);
            default:
                throw new IllegalArgumentException("no JSON view for Avro type " + schema.getType());
        }
    }

    /**
     * The one non-null branch of a nullable union. avsc would decode a union of several types
     * wrapped in an object named by the branch, which this view does not model: pgpulse's
     * schemas have none, and a new one fails here rather than compare wrongly.
     */
    private static Schema nonNullBranch(Schema union) {
        List<Schema> branches = union.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).toList();
        if (branches.size() != 1) {
            throw new IllegalArgumentException("only nullable unions of one type are compared; found " + union);
        }
        return branches.get(0);
    }

    private static long epoch(Schema schema, Instant instant) {
        String logical = schema.getLogicalType() == null ? "" : schema.getLogicalType().getName();
        return switch (logical) {
            case "timestamp-millis", "local-timestamp-millis" -> instant.toEpochMilli();
            case "timestamp-micros", "local-timestamp-micros" ->
                    Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
            default -> throw new IllegalArgumentException("no JSON view for an Instant as " + logical);
        };
    }
}
