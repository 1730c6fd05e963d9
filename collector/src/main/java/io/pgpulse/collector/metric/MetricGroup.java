package io.pgpulse.collector.metric;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One group of metrics: one or more queries, each with SQL per range of PostgreSQL
 * majors, whose columns fill one section of the snapshot. The first query fills the
 * section itself (a record, a list of records or a map); further queries ({@code parts})
 * fill fields of that record, such as the blocked/blocking pairs of the locks section.
 *
 * @param name              the group's name, as in metrics.yaml
 * @param section           the PgSnapshot field the rows go into
 * @param description       what it collects, for people
 * @param interval          how often it runs; {@link Duration#ZERO} means in every snapshot
 * @param console           what kind of endpoint the group is for
 * @param requiresExtension an extension that must be installed in the database, or null
 * @param queries           the section query (field null) first, then the parts; never empty
 */
public record MetricGroup(String name, String section, String description, Duration interval, Console console,
                          String requiresExtension, List<MetricQuery> queries) {

    /** The endpoint a group talks to: a PostgreSQL server, or a PgBouncer admin console. */
    public enum Console { POSTGRES, PGBOUNCER }

    public MetricGroup {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(console, "console");
        queries = List.copyOf(queries);
        if (queries.isEmpty()) {
            throw new IllegalArgumentException("group " + name + ": no query");
        }
    }

    /** Whether the group runs against a server of {@code majorVersion}: its section query has SQL for it. */
    public boolean runsOn(int majorVersion) {
        return queries.get(0).sqlFor(majorVersion).isPresent();
    }

    /** The section query's SQL for a server of {@code majorVersion} (the highest key not above it). */
    public Optional<String> sqlFor(int majorVersion) {
        return queries.get(0).sqlFor(majorVersion);
    }

    /** Whether the group runs in every snapshot rather than on its own, slower interval. */
    public boolean everySnapshot() {
        return interval.isZero();
    }
}
