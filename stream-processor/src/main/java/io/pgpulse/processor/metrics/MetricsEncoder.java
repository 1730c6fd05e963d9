package io.pgpulse.processor.metrics;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.schemas.serde.AvroSerializer;
import io.pgpulse.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link MetricsFrame} as a {@code DerivedMetrics} record in the Confluent wire
 * format directly, without building the Avro objects first: a tumbling window of a source
 * with 200 tables and 400 indexes is some 1,300 objects the generic writer then walks field by
 * field. The plan follows the schema's field order: every field that is a {@link Metric}
 * ({@code record.field}) is written from the frame's column, the few others by name below.
 *
 * <p>It guards itself twice: a schema field it knows no way to write makes it refuse to
 * build (so a field added to the contract cannot be silently left out), and the first record
 * it writes is compared byte for byte with what {@link DerivedMetricsWriter} and the ordinary
 * serializer make of the same frame; any difference and it steps aside for good, logging why.
 */
public final class MetricsEncoder {

    private static final Logger log = LoggerFactory.getLogger(MetricsEncoder.class);

    private static final Map<String, String> METRIC_RECORD = Map.of(
            "DerivedMetrics", "source", "DatabaseMetrics", "database", "ActivityMetrics", "activity",
            "ClusterMetrics", "cluster", "StatementsMetrics", "statements", "TableMetrics", "table",
            "IndexMetrics", "index", "StatementMetrics", "statement");

    private final AvroSerializer<DerivedMetrics> fallback;
    private final String topic;
    private final Writer plan;
    private volatile int schemaId = -1;
    private volatile boolean trusted;
    private volatile boolean steppedAside;

    /** @param fallback the ordinary serializer: its schema id is used, and it takes over if the plan is wrong */
    public MetricsEncoder(AvroSerializer<DerivedMetrics> fallback, String topic) {
        this.fallback = fallback;
        this.topic = topic;
        this.plan = record(DerivedMetrics.getClassSchema());
    }

    /** The frame as the bytes of a {@code DerivedMetrics} record on {@code topic}. */
    public byte[] encode(MetricsFrame frame) {
        if (steppedAside) {
            return fallback.serialize(topic, DerivedMetricsWriter.toAvro(frame));
        }
        if (!trusted) {
            return firstRecord(frame);
        }
        return write(frame, schemaId);
    }

    private synchronized byte[] firstRecord(MetricsFrame frame) {
        byte[] expected = fallback.serialize(topic, DerivedMetricsWriter.toAvro(frame));
        if (trusted || steppedAside) {
            return expected;
        }
        int id = WireFormat.schemaId(expected);
        byte[] mine = write(frame, id);
        if (Arrays.equals(expected, mine)) {
            schemaId = id;
            trusted = true;
        } else {
            steppedAside = true;
            log.error("the direct metrics encoder wrote {} bytes where the Avro serializer wrote {} for the same window of {};"
                    + " using the Avro serializer from now on", mine.length, expected.length, frame.sourceId);
        }
        return expected;
    }

    byte[] write(MetricsFrame frame, int id) {
        Out out = new Out(4096 + frame.tables * 80 + frame.indexes * 60 + frame.statements * 40);
        out.b[0] = WireFormat.MAGIC_BYTE;
        out.b[1] = (byte) (id >>> 24);
        out.b[2] = (byte) (id >>> 16);
        out.b[3] = (byte) (id >>> 8);
        out.b[4] = (byte) id;
        out.p = WireFormat.HEADER_BYTES;
        plan.write(out, frame, 0);
        return Arrays.copyOf(out.b, out.p);
    }

    // ---- the plan ----------------------------------------------------------------------

    @FunctionalInterface
    private interface Writer {
        void write(Out out, MetricsFrame f, int row);
    }

    private static Writer record(Schema schema) {
        List<Schema.Field> fields = schema.getFields();
        Writer[] writers = new Writer[fields.size()];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = field(schema, fields.get(i));
        }
        return (out, f, row) -> {
            for (Writer w : writers) {
                w.write(out, f, row);
            }
        };
    }

    private static Writer field(Schema record, Schema.Field field) {
        String name = record.getName() + "." + field.name();
        Schema schema = field.schema();
        Writer special = special(name, schema);
        if (special != null) {
            return special;
        }
        String metricName = METRIC_RECORD.get(record.getName()) + "." + field.name();
        Metric metric = Metric.find(metricName).orElseThrow(() -> new IllegalStateException(
                "no way to write " + name + " (not a metric, not handled): update MetricsEncoder with the schema"));
        return numeric(schema, (f, row) -> f.value(metric, row), name);
    }

    private interface Value {
        double of(MetricsFrame f, int row);
    }

    /** A number from the frame (NaN: none) as the schema's type: null where nullable, zero where not. */
    private static Writer numeric(Schema schema, Value value, String name) {
        if (schema.getType() == Schema.Type.UNION) {
            int nullIndex = nullIndex(schema, name);
            int valueIndex = 1 - nullIndex;
            Writer inner = numeric(schema.getTypes().get(valueIndex), value, name);
            return (out, f, row) -> {
                if (Double.isNaN(value.of(f, row))) {
                    out.writeLong(nullIndex);
                } else {
                    out.writeLong(valueIndex);
                    inner.write(out, f, row);
                }
            };
        }
        return switch (schema.getType()) {
            case DOUBLE -> (out, f, row) -> out.writeDouble(zero(value.of(f, row)));
            case LONG, INT -> (out, f, row) -> out.writeLong((long) zero(value.of(f, row)));
            case BOOLEAN -> (out, f, row) -> out.writeBoolean(zero(value.of(f, row)) != 0);
            default -> throw new IllegalStateException(name + ": cannot write a metric as " + schema.getType());
        };
    }

    private static int nullIndex(Schema union, String name) {
        List<Schema> types = union.getTypes();
        if (types.size() != 2 || (types.get(0).getType() != Schema.Type.NULL && types.get(1).getType() != Schema.Type.NULL)) {
            throw new IllegalStateException(name + ": expected a union of null and one type");
        }
        return types.get(0).getType() == Schema.Type.NULL ? 0 : 1;
    }

    private static Writer special(String name, Schema schema) {
        return switch (name) {
            case "DerivedMetrics.source_id" -> (out, f, row) -> out.writeString(f.sourceId);
            case "DerivedMetrics.window_start" -> (out, f, row) -> out.writeLong(f.windowStartMs);
            case "DerivedMetrics.window_end" -> (out, f, row) -> out.writeLong(f.windowEndMs);
            case "DerivedMetrics.tags" -> (out, f, row) -> out.writeStringMap(f.tags);
            case "DerivedMetrics.up" -> (out, f, row) -> out.writeBoolean(f.up);
            case "DerivedMetrics.window_size_ms" -> nullableLong(schema, name, f -> f.windowSizeMs);
            case "DerivedMetrics.window_advance_ms" -> nullableLong(schema, name, f -> f.windowAdvanceMs);
            case "DerivedMetrics.last_snapshot_at" -> nullableLong(schema, name, f -> f.lastSnapshotAtMs);
            case "DerivedMetrics.interval_ms" -> nullableLong(schema, name, f -> f.intervalMs);
            case "DerivedMetrics.baseline_reasons" -> (out, f, row) -> out.writeStrings(f.baselineReasons);
            case "DerivedMetrics.database" -> optionalRecord(schema, name, f -> f.hasDatabase);
            case "DerivedMetrics.activity" -> optionalRecord(schema, name, f -> f.hasActivity);
            case "DerivedMetrics.cluster" -> optionalRecord(schema, name, f -> f.hasCluster);
            case "DerivedMetrics.statements" -> optionalRecord(schema, name, f -> f.hasStatements);
            case "DerivedMetrics.tables" -> array(schema, f -> f.tables);
            case "DerivedMetrics.indexes" -> array(schema, f -> f.indexes);
            case "StatementsMetrics.top" -> array(schema, f -> f.statements);
            case "StatementsMetrics.slow_threshold_ms" -> numeric(schema, (f, row) -> f.slowStatementThresholdMs, name);
            case "StatementMetrics.queryid" -> (out, f, row) -> out.writeLong(f.statementQueryId[row]);
            case "StatementMetrics.userid" -> (out, f, row) -> out.writeLong(f.statementUserId[row]);
            case "TableMetrics.table" -> objectRef(schema, name, (f, row) -> f.object(Scope.TABLE, row));
            case "TableMetrics.last_vacuum" -> nullableLong(schema, name, (f, row) -> f.tableLastVacuumMs[row]);
            case "TableMetrics.last_analyze" -> nullableLong(schema, name, (f, row) -> f.tableLastAnalyzeMs[row]);
            case "IndexMetrics.index" -> objectRef(schema, name, (f, row) -> f.object(Scope.INDEX, row));
            case "IndexMetrics.table" -> objectRef(schema, name, (f, row) -> f.names.indexTable(f.indexOid[row],
                    f.indexTableOid[row]));
            default -> null;
        };
    }

    private interface FrameLong {
        long of(MetricsFrame f);
    }

    private interface RowLong {
        long of(MetricsFrame f, int row);
    }

    private interface Presence {
        boolean of(MetricsFrame f);
    }

    private interface Count {
        int of(MetricsFrame f);
    }

    private interface RowRef {
        ObjectRef of(MetricsFrame f, int row);
    }

    private static Writer nullableLong(Schema schema, String name, FrameLong value) {
        return nullableLong(schema, name, (f, row) -> value.of(f));
    }

    /** A long (a timestamp in epoch ms, a size), NONE meaning null. */
    private static Writer nullableLong(Schema schema, String name, RowLong value) {
        if (schema.getType() != Schema.Type.UNION) {
            return (out, f, row) -> out.writeLong(value.of(f, row));
        }
        int nullIndex = nullIndex(schema, name);
        return (out, f, row) -> {
            long v = value.of(f, row);
            if (v == NONE) {
                out.writeLong(nullIndex);
            } else {
                out.writeLong(1 - nullIndex);
                out.writeLong(v);
            }
        };
    }

    private static Writer optionalRecord(Schema union, String name, Presence present) {
        int nullIndex = nullIndex(union, name);
        Writer inner = record(union.getTypes().get(1 - nullIndex));
        return (out, f, row) -> {
            if (present.of(f)) {
                out.writeLong(1 - nullIndex);
                inner.write(out, f, 0);
            } else {
                out.writeLong(nullIndex);
            }
        };
    }

    private static Writer array(Schema schema, Count count) {
        Writer item = record(schema.getElementType());
        return (out, f, row) -> {
            int n = count.of(f);
            if (n > 0) {
                out.writeLong(n);
                for (int i = 0; i < n; i++) {
                    item.write(out, f, i);
                }
            }
            out.writeLong(0);
        };
    }

    private static Writer objectRef(Schema schema, String name, RowRef ref) {
        if (schema.getType() == Schema.Type.UNION) {
            int nullIndex = nullIndex(schema, name);
            return (out, f, row) -> {
                ObjectRef r = ref.of(f, row);
                if (r == null) {
                    out.writeLong(nullIndex);
                } else {
                    out.writeLong(1 - nullIndex);
                    writeRef(out, r);
                }
            };
        }
        return (out, f, row) -> writeRef(out, ref.of(f, row));
    }

    private static void writeRef(Out out, ObjectRef r) {
        out.writeLong(r.getKind().ordinal());
        if (r.getSchemaName() == null) {
            out.writeLong(0);
        } else {
            out.writeLong(1);
            out.writeString(r.getSchemaName());
        }
        out.writeString(r.getName());
        out.writeLong(r.getOid());
    }

    private static double zero(double v) {
        return Double.isNaN(v) ? 0.0 : v;
    }

    static {
        // ObjectRef is written by hand: its layout must still be kind, schema_name, name, oid.
        List<String> fields = ObjectRef.getClassSchema().getFields().stream().map(Schema.Field::name).toList();
        if (!fields.equals(List.of("kind", "schema_name", "name", "oid"))) {
            throw new IllegalStateException("ObjectRef changed (" + fields + "): update MetricsEncoder.writeRef");
        }
    }

    /** A growing byte buffer with Avro's binary encoding. */
    private static final class Out {
        byte[] b;
        int p;

        Out(int capacity) {
            b = new byte[capacity];
        }

        void ensure(int more) {
            if (p + more > b.length) {
                b = Arrays.copyOf(b, Math.max(b.length * 2, p + more));
            }
        }

        void writeLong(long v) {
            ensure(10);
            long u = (v << 1) ^ (v >> 63);
            while ((u & ~0x7FL) != 0) {
                b[p++] = (byte) ((u & 0x7F) | 0x80);
                u >>>= 7;
            }
            b[p++] = (byte) u;
        }

        void writeDouble(double v) {
            ensure(8);
            long bits = Double.doubleToRawLongBits(v);
            for (int i = 0; i < 8; i++) {
                b[p++] = (byte) (bits >>> (8 * i));
            }
        }

        void writeBoolean(boolean v) {
            ensure(1);
            b[p++] = (byte) (v ? 1 : 0);
        }

        void writeString(String s) {
            int n = s.length();
            if (n < 64) {
                // Most names are short plain ASCII (their length then is one byte): write them without
                // making a byte array first.
                ensure(n + 1);
                int start = p;
                b[p++] = (byte) (n << 1);
                boolean ascii = true;
                for (int i = 0; i < n; i++) {
                    char ch = s.charAt(i);
                    if (ch >= 0x80) {
                        ascii = false;
                        break;
                    }
                    b[p++] = (byte) ch;
                }
                if (ascii) {
                    return;
                }
                p = start;
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            writeLong(utf8.length);
            ensure(utf8.length);
            System.arraycopy(utf8, 0, b, p, utf8.length);
            p += utf8.length;
        }

        void writeStringMap(Map<String, String> map) {
            if (!map.isEmpty()) {
                writeLong(map.size());
                for (Map.Entry<String, String> e : map.entrySet()) {
                    writeString(e.getKey());
                    writeString(e.getValue());
                }
            }
            writeLong(0);
        }

        void writeStrings(List<String> items) {
            if (!items.isEmpty()) {
                writeLong(items.size());
                for (String s : items) {
                    writeString(s);
                }
            }
            writeLong(0);
        }
    }
}
