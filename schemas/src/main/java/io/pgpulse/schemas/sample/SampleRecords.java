package io.pgpulse.schemas.sample;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Plausible records of any schema, every field filled (optional sections too), driven only by
 * the schema. Tests, the interop check and the benchmark use it so that they keep working as
 * fields are added to the contract, and so that every field, not only the ones a test author
 * thought of, goes through the serde. Values are pseudo-random from a seed: the same seed
 * gives the same record.
 */
public final class SampleRecords {

    /** Entries per array or map unless {@code sizes} says otherwise for the field. */
    public static final int DEFAULT_SIZE = 2;

    private static final long EPOCH_2026_MS = 1_767_225_600_000L;

    private final GenericData model;
    private final Random random;
    private final Map<String, Integer> sizes;
    private int counter;

    private SampleRecords(GenericData model, long seed, Map<String, Integer> sizes) {
        this.model = model;
        this.random = new Random(seed);
        this.sizes = Map.copyOf(sizes);
    }

    /** A record of the generated class {@code type}. */
    public static <T extends SpecificRecord> T of(Class<T> type, long seed) {
        return of(type, seed, Map.of());
    }

    /**
     * A record of the generated class {@code type}.
     *
     * @param sizes entries for arrays and maps by field name (e.g. {@code tables -> 1000}); others get
     *              {@value #DEFAULT_SIZE}
     */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T of(Class<T> type, long seed, Map<String, Integer> sizes) {
        Schema schema = SpecificData.get().getSchema(type);
        return (T) new SampleRecords(SpecificData.getForSchema(schema), seed, sizes).value(schema, type.getSimpleName());
    }

    /** A {@code GenericRecord} of {@code schema}. */
    public static GenericRecord generic(Schema schema, long seed) {
        Objects.requireNonNull(schema, "schema");
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("schema: expected a record, found " + schema.getType());
        }
        return (GenericRecord) new SampleRecords(GenericData.get(), seed, Map.of()).value(schema, schema.getName());
    }

    private Object value(Schema schema, String name) {
        LogicalType logical = schema.getLogicalType();
        Object raw = raw(schema, name);
        if (logical == null) {
            return raw;
        }
        @SuppressWarnings("unchecked")
        Conversion<Object> conversion = (Conversion<Object>) model.getConversionFor(logical);
        return conversion == null ? raw : Conversions.convertToLogicalType(raw, schema, logical, conversion);
    }

    private Object raw(Schema schema, String name) {
        String logical = schema.getLogicalType() == null ? "" : schema.getLogicalType().getName();
        switch (schema.getType()) {
            case NULL:
                return null;
            case BOOLEAN:
                return random.nextBoolean();
            case INT:
                return logical.equals("time-millis") ? random.nextInt(86_400_000) : random.nextInt(10_000);
            case LONG:
                if (logical.startsWith("timestamp") || logical.startsWith("local-timestamp")) {
                    long ms = EPOCH_2026_MS + random.nextInt(86_400_000);
                    return logical.endsWith("micros") ? ms * 1000 : logical.endsWith("nanos") ? ms * 1_000_000 : ms;
                }
                return (long) random.nextInt(1_000_000_000);
            case FLOAT:
                return random.nextFloat() * 1000;
            case DOUBLE:
                return Math.round(random.nextDouble() * 1_000_000) / 1000.0;
            case STRING:
                return logical.equals("uuid") ? new UUID(random.nextLong(), random.nextLong()).toString()
                        : name + "_" + (++counter);
            case BYTES: {
                byte[] bytes = new byte[8];
                random.nextBytes(bytes);
                return ByteBuffer.wrap(bytes);
            }
            case FIXED: {
                byte[] bytes = new byte[schema.getFixedSize()];
                random.nextBytes(bytes);
                return model.createFixed(null, bytes, schema);
            }
            case ENUM:
                return model.createEnum(schema.getEnumSymbols().get(random.nextInt(schema.getEnumSymbols().size())),
                        schema);
            case ARRAY: {
                int size = sizes.getOrDefault(name, DEFAULT_SIZE);
                List<Object> items = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    items.add(value(schema.getElementType(), name));
                }
                return items;
            }
            case MAP: {
                int size = sizes.getOrDefault(name, DEFAULT_SIZE);
                Map<String, Object> entries = new LinkedHashMap<>();
                for (int i = 0; i < size; i++) {
                    entries.put(name + "_key_" + (++counter), value(schema.getValueType(), name));
                }
                return entries;
            }
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return value(branch, name);
                    }
                }
                return null;
            case RECORD: {
                IndexedRecord record = (IndexedRecord) model.newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    record.put(field.pos(), value(field.schema(), field.name()));
                }
                return record;
            }
            default:
                throw new IllegalArgumentException("no sample for Avro type " + schema.getType());
        }
    }
}
