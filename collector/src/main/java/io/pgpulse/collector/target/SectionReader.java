package io.pgpulse.collector.target;

import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.metric.MetricGroup;
import io.pgpulse.collector.metric.MetricQuery;
import io.pgpulse.collector.metric.MetricQuery.MetricColumn;
import io.pgpulse.collector.metric.MetricQuery.Term;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Runs a metric group's queries on one connection and turns their rows into the value
 * of the group's snapshot section: a generated Avro record, a list of them, or a map,
 * with the parts' results set into the record's fields. Column aliases are the Avro
 * field names. Statements are prepared once per connection and reused, so the server
 * plans each query once. The first time a query runs on a connection its result columns
 * are compared with the declared ones.
 */
final class SectionReader implements AutoCloseable {

    /** A group's result did not fit its declaration; the transaction is still usable. */
    static final class DeclarationMismatch extends Exception {
        DeclarationMismatch(String message) {
            super(message);
        }
    }

    /** Runs one query text and returns its rows. */
    interface QueryRunner {
        Rows run(String sql) throws SQLException;
    }

    private final Connection connection;
    private final QueryRunner console;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final Set<String> checked = new HashSet<>();

    /** Slack for parts with their own interval: half the target's interval, so jitter does not push a run a whole interval on. */
    private final java.time.Duration slack;

    /** Reads over a JDBC connection to PostgreSQL (statements prepared once and kept). */
    SectionReader(Connection connection, java.time.Duration slack) {
        this.connection = connection;
        this.console = null;
        this.slack = slack;
    }

    /** Reads over a PgBouncer admin console. */
    SectionReader(QueryRunner console) {
        this.connection = null;
        this.console = console;
        this.slack = java.time.Duration.ZERO;
    }

    private Rows execute(String sql) throws SQLException {
        if (console != null) {
            return console.run(sql);
        }
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        }
        return Rows.of(statement.executeQuery());
    }

    /** When each part with its own interval last ran, and what it returned (kept in between). */
    private final Map<MetricQuery, java.time.Instant> partRunAt = new HashMap<>();
    private final Map<MetricQuery, SpecificRecordBase> partValues = new HashMap<>();

    /** The section value of {@code group} on a server of {@code major}; null when its one row is missing. */
    Object read(MetricGroup group, int major) throws SQLException, DeclarationMismatch {
        return read(group, major, java.time.Instant.now());
    }

    Object read(MetricGroup group, int major, java.time.Instant now) throws SQLException, DeclarationMismatch {
        Schema sectionSchema = MetricCatalog.sectionSchema(group.section());
        Object section = null;
        boolean partsOnly = !group.queries().get(0).isSectionQuery();
        if (partsOnly) {
            section = SpecificData.getForSchema(sectionSchema).newRecord(null, sectionSchema);
            fillDefaults((SpecificRecordBase) section, sectionSchema, Map.of());
        }
        for (MetricQuery query : group.queries()) {
            Optional<String> sql = query.sqlFor(major);
            if (sql.isEmpty()) {
                continue;
            }
            if (query.isSectionQuery()) {
                section = run(query, sql.get(), sectionSchema);
                if (section == null) {
                    return null;
                }
            } else if (query.merge() && section instanceof SpecificRecordBase record) {
                SpecificRecordBase extra = partValues.get(query);
                java.time.Instant last = partRunAt.get(query);
                if (extra == null || query.interval() == null
                        || !java.time.Duration.between(last, now).plus(slack).minus(query.interval()).isNegative()) {
                    extra = (SpecificRecordBase) run(query, sql.get(), sectionSchema);
                    partValues.put(query, extra);
                    partRunAt.put(query, now);
                }
                if (extra == null) {
                    partValues.remove(query);
                    throw new DeclarationMismatch("a part adding " + query.columns().keySet() + " returned no row");
                }
                {
                    for (String column : query.columns().keySet()) {
                        int pos = sectionSchema.getField(column).pos();
                        record.put(pos, extra.get(pos));
                    }
                }
            } else if (section instanceof SpecificRecordBase record) {
                Schema.Field field = sectionSchema.getField(query.field());
                record.put(field.pos(), run(query, sql.get(), nonNull(field.schema())));
            }
        }
        return section;
    }

    /** Runs one query; its rows become a value of {@code target} (a record, an array of records or a map). */
    private Object run(MetricQuery query, String sql, Schema target) throws SQLException, DeclarationMismatch {
        try (Rows rows = execute(sql)) {
            if (checked.add(sql)) {
                Optional<String> mismatch = query.columnMismatch(rows.columns(), console == null);
                if (mismatch.isPresent()) {
                    throw new DeclarationMismatch(mismatch.get());
                }
            }
            switch (query.shape()) {
                case ONE_ROW -> {
                    if (!rows.next()) {
                        return null;
                    }
                    return toRecord(rows, query, target, bindings(rows, query, target));
                }
                case ROWS -> {
                    Schema element = nonNull(target.getElementType());
                    Binding[] bindings = bindings(rows, query, element);
                    List<SpecificRecordBase> list = new ArrayList<>();
                    while (rows.next()) {
                        list.add(toRecord(rows, query, element, bindings));
                    }
                    return list;
                }
                default -> {
                    Schema valueSchema = nonNull(target.getValueType());
                    Map<String, Object> map = new LinkedHashMap<>();
                    List<MetricColumn> columns = new ArrayList<>(query.columns().values());
                    int keyColumn = rows.findColumn(columns.get(0).name());
                    int valueColumn = rows.findColumn(columns.get(1).name());
                    while (rows.next()) {
                        String key = rows.text(keyColumn);
                        Object value = read(rows, valueColumn, valueSchema);
                        if (key != null && value != null) {
                            map.put(key, value);
                        }
                    }
                    return map;
                }
            }
        }
    }

    /** Where each declared column goes: its field, the field's type, and the result columns it reads. */
    private record Binding(MetricColumn column, Schema.Field field, Schema type, boolean nullable, int[] sources,
                           double[] factors) {
    }

    private static Binding[] bindings(Rows rows, MetricQuery query, Schema record) throws SQLException {
        List<Binding> bindings = new ArrayList<>();
        for (MetricColumn column : query.columns().values()) {
            Schema.Field field = record.getField(column.name());
            boolean nullable = field.schema().getType() == Schema.Type.UNION;
            List<Term> terms = column.from().isEmpty() ? List.of(new Term(column.name(), 1)) : column.from();
            int[] sources = new int[terms.size()];
            double[] factors = new double[terms.size()];
            for (int i = 0; i < terms.size(); i++) {
                sources[i] = rows.findColumn(terms.get(i).column());
                factors[i] = terms.get(i).factor();
            }
            bindings.add(new Binding(column, field, nonNull(field.schema()), nullable, sources, factors));
        }
        return bindings.toArray(Binding[]::new);
    }

    private static SpecificRecordBase toRecord(Rows row, MetricQuery query, Schema schema, Binding[] bindings)
            throws SQLException, DeclarationMismatch {
        SpecificRecordBase record = (SpecificRecordBase) SpecificData.getForSchema(schema).newRecord(null, schema);
        Map<Integer, Boolean> set = new HashMap<>();
        for (Binding b : bindings) {
            Object value = b.sources.length == 1 && b.factors[0] == 1
                    ? read(row, b.sources[0], b.type)
                    : sum(row, b);
            if (value == null && !b.nullable) {
                throw new DeclarationMismatch("column " + b.column.name() + " is NULL but " + schema.getName() + "."
                        + b.field.name() + " requires a value");
            }
            record.put(b.field.pos(), value);
            set.put(b.field.pos(), true);
        }
        fillDefaults(record, schema, set);
        return record;
    }

    /** Fields no column fills keep the schema's default (lists and maps filled by parts start empty). */
    private static void fillDefaults(SpecificRecordBase record, Schema schema, Map<Integer, Boolean> set) {
        for (Schema.Field f : schema.getFields()) {
            if (!set.containsKey(f.pos()) && f.hasDefaultValue()) {
                record.put(f.pos(), SpecificData.getForSchema(schema).getDefaultValue(f));
            }
        }
    }

    private static Object sum(Rows row, Binding b) throws SQLException {
        double total = 0;
        for (int i = 0; i < b.sources.length; i++) {
            Double v = row.number(b.sources[i]);
            if (v == null) {
                return null;
            }
            total += v * b.factors[i];
        }
        return switch (b.type.getType()) {
            case LONG -> Math.round(total);
            case INT -> (int) Math.round(total);
            case FLOAT -> (float) total;
            default -> total;
        };
    }

    private static Object read(Rows row, int column, Schema schema) throws SQLException {
        LogicalType logical = schema.getLogicalType();
        if (logical instanceof LogicalTypes.TimestampMillis) {
            return row.instant(column);
        }
        return switch (schema.getType()) {
            case LONG -> row.integer(column);
            case INT -> {
                Long v = row.integer(column);
                yield v == null ? null : Math.toIntExact(v);
            }
            case DOUBLE -> row.number(column);
            case FLOAT -> {
                Double v = row.number(column);
                yield v == null ? null : v.floatValue();
            }
            case BOOLEAN -> row.bool(column);
            case STRING -> row.text(column);
            default -> throw new SQLException("unsupported snapshot field type " + schema.getType());
        };
    }

    private static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        return schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
    }

    /** Closes the prepared statements (the connection is the caller's). */
    @Override
    public void close() {
        for (PreparedStatement statement : statements.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                // The connection is usually broken when this happens; the statement goes with it.
                org.slf4j.LoggerFactory.getLogger(SectionReader.class).debug("closing a statement: {}", e.getMessage());
            }
        }
        statements.clear();
        checked.clear();
    }
}
