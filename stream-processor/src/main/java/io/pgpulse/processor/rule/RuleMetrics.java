package io.pgpulse.processor.rule;

import io.pgpulse.avro.DatabaseMetrics;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.TableMetrics;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The metrics a rule may name, as {@code scope.field} of {@link DerivedMetrics}.
 * A rule naming anything else is refused when the rule file loads.
 */
public final class RuleMetrics {

    /** A metric of one scope; reads a value (or nothing) from that scope's record. */
    public record Metric(String name, Scope scope, Function<Object, Double> reader) {
    }

    private static final Map<String, Metric> METRICS = Map.ofEntries(
            source("source.up", m -> m.getUp() ? 1.0 : 0.0),
            database("database.cache_hit_ratio", DatabaseMetrics::getCacheHitRatio),
            database("database.connection_utilization", DatabaseMetrics::getConnectionUtilization),
            database("database.xact_commit_per_s", DatabaseMetrics::getXactCommitPerS),
            database("database.xact_rollback_per_s", DatabaseMetrics::getXactRollbackPerS),
            database("database.deadlocks", d -> (double) d.getDeadlocks()),
            database("database.temp_bytes_per_s", DatabaseMetrics::getTempBytesPerS),
            database("database.xid_age", d -> (double) d.getXidAge()),
            table("table.dead_tuple_ratio", TableMetrics::getDeadTupleRatio),
            table("table.n_dead_tup", t -> (double) t.getNDeadTup()),
            table("table.n_live_tup", t -> (double) t.getNLiveTup()),
            table("table.n_mod_since_analyze", t -> (double) t.getNModSinceAnalyze()),
            table("table.modifications_per_s", TableMetrics::getModificationsPerS),
            table("table.total_size_bytes", t -> t.getTotalSizeBytes() == null ? null : (double) t.getTotalSizeBytes()));

    private RuleMetrics() {
    }

    public static Optional<Metric> find(String name) {
        return Optional.ofNullable(METRICS.get(name));
    }

    public static java.util.Set<String> names() {
        return new java.util.TreeSet<>(METRICS.keySet());
    }

    private static Map.Entry<String, Metric> source(String name, Function<DerivedMetrics, Double> reader) {
        return Map.entry(name, new Metric(name, Scope.SOURCE, o -> reader.apply((DerivedMetrics) o)));
    }

    private static Map.Entry<String, Metric> database(String name, Function<DatabaseMetrics, Double> reader) {
        return Map.entry(name, new Metric(name, Scope.DATABASE, o -> reader.apply((DatabaseMetrics) o)));
    }

    private static Map.Entry<String, Metric> table(String name, Function<TableMetrics, Double> reader) {
        return Map.entry(name, new Metric(name, Scope.TABLE, o -> reader.apply((TableMetrics) o)));
    }
}
