package io.pgpulse.collector.metric;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One query of a metric group: what it fills, how its rows are shaped, its declared
 * columns, and its SQL by the oldest server major version each text runs on.
 *
 * @param field    the field of the section record this query fills, or null for the section itself
 * @param shape    one row (a record), rows (a list of records) or a map (key and value columns)
 * @param columns  every output column with its kind, in order
 * @param sqls     query text by the oldest major version it runs on
 * @param merge    a part whose one row adds columns to the section record itself (field is null)
 * @param interval a part's own interval (its last values are kept in between), or null for the group's
 */
public record MetricQuery(String field, Shape shape, Map<String, MetricColumn> columns,
                          NavigableMap<Integer, String> sqls, boolean merge, java.time.Duration interval) {

    public MetricQuery(String field, Shape shape, Map<String, MetricColumn> columns, NavigableMap<Integer, String> sqls) {
        this(field, shape, columns, sqls, false, null);
    }

    /** Whether this query makes the section value (the others are parts that fill or add to it). */
    public boolean isSectionQuery() {
        return field == null && !merge;
    }

    public enum Shape { ONE_ROW, ROWS, MAP }

    /** The query for a server of {@code majorVersion}: the highest key not above it. */
    public Optional<String> sqlFor(int majorVersion) {
        return Optional.ofNullable(sqls.floorEntry(majorVersion)).map(Map.Entry::getValue);
    }

    /** The result columns the declared columns read (their own names, or the columns their {@code from} names). */
    public Set<String> sourceColumns() {
        Set<String> names = new LinkedHashSet<>();
        columns.values().forEach(c -> names.addAll(c.sourceColumns()));
        return names;
    }

    /**
     * Compares a result's columns with the declaration. A SQL query must return exactly
     * the declared columns; a console command (whose output cannot be narrowed) must
     * return at least them.
     *
     * @return what differs, or empty when they match
     */
    public Optional<String> columnMismatch(ResultSetMetaData meta, boolean exact) throws SQLException {
        List<String> labels = new java.util.ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            labels.add(meta.getColumnLabel(i));
        }
        return columnMismatch(labels, exact);
    }

    /** {@link #columnMismatch(ResultSetMetaData, boolean)} for column labels already read. */
    public Optional<String> columnMismatch(List<String> labels, boolean exact) {
        Set<String> returned = new LinkedHashSet<>(labels);
        Set<String> declared = sourceColumns();
        Set<String> missing = new TreeSet<>(declared);
        missing.removeAll(returned);
        Set<String> extra = new TreeSet<>(returned);
        extra.removeAll(declared);
        if (missing.isEmpty() && (!exact || extra.isEmpty())) {
            return Optional.empty();
        }
        StringBuilder problem = new StringBuilder("columns differ from the declaration:");
        if (!missing.isEmpty()) {
            problem.append(" declared but not returned ").append(missing);
        }
        if (exact && !extra.isEmpty()) {
            problem.append(" returned but not declared ").append(extra);
        }
        return Optional.of(problem.toString());
    }

    /** One declared column of a query. */
    public record MetricColumn(String name, ColumnKind kind, List<Term> from) {

        public MetricColumn {
            from = List.copyOf(from);
        }

        public Set<String> sourceColumns() {
            if (from.isEmpty()) {
                return Set.of(name);
            }
            Set<String> names = new LinkedHashSet<>();
            from.forEach(t -> names.add(t.column()));
            return names;
        }
    }

    /** A term of a {@code from} sum: a result column scaled by a factor (e.g. {@code maxwait_us / 1000000}). */
    public record Term(String column, double factor) {
    }
}
