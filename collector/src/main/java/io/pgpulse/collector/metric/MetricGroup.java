package io.pgpulse.collector.metric;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * One group of metrics: a query per range of PostgreSQL majors whose columns fill
 * one section of the snapshot.
 *
 * @param name        the group's name, as in metrics.yaml
 * @param section     the PgSnapshot field the rows go into
 * @param description what it collects, for people
 * @param shape       one row (a record section) or rows (an array section)
 * @param columns     every column the query returns, with its kind, in order
 * @param sqls        query by the oldest major version it runs on
 */
public record MetricGroup(String name, String section, String description, Shape shape,
                          Map<String, ColumnKind> columns, NavigableMap<Integer, String> sqls) {

    public enum Shape { ONE_ROW, ROWS }

    /** The query for a server of {@code majorVersion}: the highest key not above it. */
    public Optional<String> sqlFor(int majorVersion) {
        return Optional.ofNullable(sqls.floorEntry(majorVersion)).map(Map.Entry::getValue);
    }
}
