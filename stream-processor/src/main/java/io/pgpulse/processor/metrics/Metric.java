package io.pgpulse.processor.metrics;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every metric the processor derives, named {@code record.field} as it appears in
 * {@code DerivedMetrics} on {@code pgpulse.metrics.v1} (a test holds the two together):
 * rules name these, nothing else. Rates are per second over the milliseconds the window's
 * valid deltas cover; ratios are taken from the window's deltas, never from lifetime
 * totals; gauges are as of the window's last snapshot.
 */
public enum Metric {
    SOURCE_UP(Scope.SOURCE, "source", "up", "1 when the last snapshot found the database up, else 0"),
    SOURCE_SNAPSHOTS(Scope.SOURCE, "source", "snapshots", "snapshots in the window"),
    SOURCE_COVERED_MS(Scope.SOURCE, "source", "covered_ms", "milliseconds of counter history the window's deltas cover"),
    SOURCE_SILENT_INTERVALS(Scope.SOURCE, "source", "silent_intervals",
            "collection intervals since the last snapshot arrived (wall clock; only the silence check sets it, 0 otherwise)"),

    XACT_COMMIT_PER_S(Scope.DATABASE, "database", "xact_commit_per_s", "commits per second"),
    XACT_ROLLBACK_PER_S(Scope.DATABASE, "database", "xact_rollback_per_s", "rollbacks per second"),
    BLKS_READ_PER_S(Scope.DATABASE, "database", "blks_read_per_s", "blocks read from outside shared buffers per second"),
    BLKS_HIT_PER_S(Scope.DATABASE, "database", "blks_hit_per_s", "shared-buffer hits per second"),
    CACHE_HIT_RATIO(Scope.DATABASE, "database", "cache_hit_ratio", "blks_hit / (blks_hit + blks_read) over the window, 0..1"),
    INDEX_HIT_RATIO(Scope.DATABASE, "database", "index_hit_ratio",
            "idx_blks_hit / (idx_blks_hit + idx_blks_read) of all tables' indexes over the window, 0..1"),
    TUP_RETURNED_PER_S(Scope.DATABASE, "database", "tup_returned_per_s", "rows returned by scans per second"),
    TUP_FETCHED_PER_S(Scope.DATABASE, "database", "tup_fetched_per_s", "rows fetched by index scans per second"),
    TUP_INSERTED_PER_S(Scope.DATABASE, "database", "tup_inserted_per_s", "rows inserted per second"),
    TUP_UPDATED_PER_S(Scope.DATABASE, "database", "tup_updated_per_s", "rows updated per second"),
    TUP_DELETED_PER_S(Scope.DATABASE, "database", "tup_deleted_per_s", "rows deleted per second"),
    TEMP_FILES(Scope.DATABASE, "database", "temp_files", "temporary files created in the window"),
    TEMP_BYTES_PER_S(Scope.DATABASE, "database", "temp_bytes_per_s", "bytes written to temporary files per second"),
    DEADLOCKS(Scope.DATABASE, "database", "deadlocks", "deadlocks detected in the window"),
    BACKENDS(Scope.DATABASE, "database", "backends", "backends connected to this database"),
    MAX_CONNECTIONS(Scope.DATABASE, "database", "max_connections", "the max_connections setting"),
    CONNECTION_UTILIZATION(Scope.DATABASE, "database", "connection_utilization",
            "client backends of the cluster / max_connections, 0..1"),
    SIZE_BYTES(Scope.DATABASE, "database", "size_bytes", "database size"),
    GROWTH_BYTES_PER_H(Scope.DATABASE, "database", "growth_bytes_per_h", "database size change per hour over the window"),
    XID_AGE(Scope.DATABASE, "database", "xid_age", "age(datfrozenxid): transactions since the oldest unfrozen xid"),

    CLIENT_BACKENDS(Scope.DATABASE, "activity", "client_backends", "client backends of the whole cluster"),
    ACTIVE(Scope.DATABASE, "activity", "active", "backends running a query"),
    IDLE_IN_TRANSACTION(Scope.DATABASE, "activity", "idle_in_transaction", "backends idle inside an open transaction"),
    WAITING_ON_LOCK(Scope.DATABASE, "activity", "waiting_on_lock", "backends waiting on a heavyweight lock"),
    BLOCKED_BACKENDS(Scope.DATABASE, "activity", "blocked_backends", "backends waiting for a lock another backend holds"),
    OLDEST_XACT_AGE_S(Scope.DATABASE, "activity", "oldest_xact_age_s", "age of the oldest open transaction, seconds"),
    OLDEST_QUERY_AGE_S(Scope.DATABASE, "activity", "oldest_query_age_s", "age of the longest-running query, seconds"),
    OLDEST_IDLE_IN_TRANSACTION_S(Scope.DATABASE, "activity", "oldest_idle_in_transaction_s",
            "longest time a backend has been idle in transaction, seconds"),

    CHECKPOINTS_TIMED(Scope.DATABASE, "cluster", "checkpoints_timed", "scheduled checkpoints in the window"),
    CHECKPOINTS_REQUESTED(Scope.DATABASE, "cluster", "checkpoints_requested", "requested (forced) checkpoints in the window"),
    FORCED_CHECKPOINT_RATIO(Scope.DATABASE, "cluster", "forced_checkpoint_ratio",
            "checkpoints_requested / (checkpoints_requested + checkpoints_timed), 0..1"),
    WAL_BYTES_PER_S(Scope.DATABASE, "cluster", "wal_bytes_per_s", "WAL bytes generated per second"),
    ARCHIVED_COUNT(Scope.DATABASE, "cluster", "archived_count", "WAL files archived in the window"),
    ARCHIVER_FAILURES(Scope.DATABASE, "cluster", "archiver_failures", "failed archive attempts in the window"),
    REPLICATION_LAG_S(Scope.DATABASE, "cluster", "replication_lag_s",
            "largest replay lag of a standby (on a primary) or this standby's own, seconds"),
    REPLICATION_LAG_BYTES(Scope.DATABASE, "cluster", "replication_lag_bytes", "largest replay lag of a standby, bytes"),
    REPLICAS(Scope.DATABASE, "cluster", "replicas", "connected standbys"),
    IS_STANDBY(Scope.DATABASE, "cluster", "is_standby", "1 on a standby, else 0"),

    STATEMENTS_TRACKED(Scope.DATABASE, "statements", "tracked", "statements pg_stat_statements tracks for this database"),
    STATEMENTS_CALLS(Scope.DATABASE, "statements", "calls", "calls of the top statements in the window"),
    STATEMENTS_CALLS_PER_S(Scope.DATABASE, "statements", "calls_per_s", "calls of the top statements per second"),
    STATEMENTS_MEAN_EXEC_TIME_MS(Scope.DATABASE, "statements", "mean_exec_time_ms",
            "mean execution time over all calls in the window, milliseconds"),
    STATEMENTS_P95_MEAN_EXEC_TIME_MS(Scope.DATABASE, "statements", "p95_mean_exec_time_ms",
            "call-weighted 95th percentile of the statements' mean execution times in the window, milliseconds"),
    STATEMENTS_SLOW(Scope.DATABASE, "statements", "slow_statements",
            "statements whose mean execution time in the window exceeds the slow-statement threshold"),

    TABLE_N_LIVE_TUP(Scope.TABLE, "table", "n_live_tup", "estimated live rows"),
    TABLE_N_DEAD_TUP(Scope.TABLE, "table", "n_dead_tup", "estimated dead rows"),
    TABLE_DEAD_TUPLE_RATIO(Scope.TABLE, "table", "dead_tuple_ratio", "n_dead_tup / n_live_tup"),
    TABLE_N_MOD_SINCE_ANALYZE(Scope.TABLE, "table", "n_mod_since_analyze", "rows modified since the last analyze"),
    TABLE_MOD_SINCE_ANALYZE_RATIO(Scope.TABLE, "table", "mod_since_analyze_ratio", "n_mod_since_analyze / n_live_tup"),
    TABLE_MODIFICATIONS_PER_S(Scope.TABLE, "table", "modifications_per_s", "rows inserted, updated and deleted per second"),
    TABLE_SEQ_SCAN_PER_S(Scope.TABLE, "table", "seq_scan_per_s", "sequential scans per second"),
    TABLE_IDX_SCAN_PER_S(Scope.TABLE, "table", "idx_scan_per_s", "index scans per second"),
    TABLE_TOTAL_SIZE_BYTES(Scope.TABLE, "table", "total_size_bytes", "heap, indexes and TOAST, as last collected"),
    TABLE_ESTIMATED_BLOAT_BYTES(Scope.TABLE, "table", "estimated_bloat_bytes", "estimated wasted heap space, as last collected"),
    TABLE_ESTIMATED_BLOAT_RATIO(Scope.TABLE, "table", "estimated_bloat_ratio", "estimated_bloat_bytes / heap bytes, 0..1"),

    INDEX_IDX_SCAN_PER_S(Scope.INDEX, "index", "idx_scan_per_s", "scans of the index per second"),
    INDEX_SIZE_BYTES(Scope.INDEX, "index", "size_bytes", "size of the index, as last collected"),
    INDEX_ESTIMATED_BLOAT_BYTES(Scope.INDEX, "index", "estimated_bloat_bytes", "estimated wasted space, as last collected"),
    INDEX_ESTIMATED_BLOAT_RATIO(Scope.INDEX, "index", "estimated_bloat_ratio", "estimated_bloat_bytes / size_bytes, 0..1"),
    INDEX_UNUSED_S(Scope.INDEX, "index", "unused_s",
            "seconds since a scan of the index was last seen (counted from when pgpulse first saw the index)"),
    INDEX_IS_UNIQUE(Scope.INDEX, "index", "is_unique", "1 when the index enforces uniqueness"),
    INDEX_IS_PRIMARY(Scope.INDEX, "index", "is_primary", "1 when the index backs the primary key"),
    INDEX_IS_VALID(Scope.INDEX, "index", "is_valid", "0 for an index left invalid by a failed concurrent build"),

    STATEMENT_CALLS(Scope.STATEMENT, "statement", "calls", "calls in the window"),
    STATEMENT_CALLS_PER_S(Scope.STATEMENT, "statement", "calls_per_s", "calls per second"),
    STATEMENT_MEAN_EXEC_TIME_MS(Scope.STATEMENT, "statement", "mean_exec_time_ms",
            "mean execution time of the window's calls, milliseconds"),
    STATEMENT_TOTAL_EXEC_TIME_MS(Scope.STATEMENT, "statement", "total_exec_time_ms",
            "execution time of the window's calls, milliseconds");

    private static final Map<String, Metric> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toMap(Metric::metricName, Function.identity(), (a, b) -> a, TreeMap::new));
    private static final int[] COLUMN = new int[values().length];
    private static final int[] WIDTH = new int[Scope.values().length];

    static {
        for (Metric m : values()) {
            // SOURCE and DATABASE metrics share one row per source.
            Scope row = m.scope == Scope.SOURCE ? Scope.DATABASE : m.scope;
            COLUMN[m.ordinal()] = WIDTH[row.ordinal()]++;
        }
        WIDTH[Scope.SOURCE.ordinal()] = WIDTH[Scope.DATABASE.ordinal()];
    }

    private final Scope scope;
    private final String record;
    private final String field;
    private final String description;

    Metric(Scope scope, String record, String field, String description) {
        this.scope = scope;
        this.record = record;
        this.field = field;
        this.description = description;
    }

    public Scope scope() {
        return scope;
    }

    /** The DerivedMetrics record this metric is a field of: source (the top level), database, activity, ... */
    public String record() {
        return record;
    }

    public String field() {
        return field;
    }

    /** {@code record.field}, the name rules use. */
    public String metricName() {
        return record + "." + field;
    }

    public String description() {
        return description;
    }

    /** The column of this metric in its scope's rows of a {@link MetricsFrame}. */
    int column() {
        return COLUMN[ordinal()];
    }

    static int width(Scope scope) {
        return WIDTH[scope.ordinal()];
    }

    public static Optional<Metric> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public static java.util.Set<String> names() {
        return BY_NAME.keySet();
    }

    @Override
    public String toString() {
        return metricName();
    }
}
