package io.pgpulse.processor.metrics;

import io.pgpulse.avro.ObjectRef;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The metrics of one source over one interval (a window, or the step of a single
 * snapshot), as columns of doubles: NaN stands for "no value" (a ratio over nothing, a
 * section not collected). One row for the source-wide metrics, one per table, index and
 * statement. Rules read it through {@link #value}; {@link DerivedMetricsWriter} turns it
 * into the published {@code DerivedMetrics}.
 */
public final class MetricsFrame {

    /** What interval the frame covers, and so which rules evaluate it. */
    public enum Kind {
        /** From one snapshot to the next: gauges as collected, rates over that step. Never published. */
        SNAPSHOT,
        /** A tumbling window. */
        TUMBLING,
        /** A hopping window (source-wide metrics and statements; no per-table or per-index rows). */
        HOPPING
    }

    /** Names the objects of the rows: the snapshot itself, or the source's catalog. */
    public interface Names {
        ObjectRef table(long oid);

        ObjectRef index(long oid);

        /** The table an index belongs to. */
        ObjectRef indexTable(long indexOid, long tableOid);
    }

    public final Kind kind;
    public final String sourceId;
    public final long windowStartMs;
    public final long windowEndMs;
    public final long windowSizeMs;
    public final long windowAdvanceMs;

    public Map<String, String> tags = Map.of();
    public boolean up;
    public long intervalMs;
    public long lastSnapshotAtMs;
    public String error;
    public List<String> baselineReasons = List.of();
    public double slowStatementThresholdMs;

    /** Which source-wide records have data in this interval. */
    public boolean hasDatabase;
    public boolean hasActivity;
    public boolean hasCluster;
    public boolean hasStatements;
    public boolean hasTables;
    public boolean hasIndexes;

    final double[] source = nan(Metric.width(Scope.DATABASE));

    int tables;
    long[] tableOid = new long[0];
    double[] tableValues = new double[0];
    long[] tableLastVacuumMs = new long[0];
    long[] tableLastAnalyzeMs = new long[0];

    int indexes;
    long[] indexOid = new long[0];
    long[] indexTableOid = new long[0];
    double[] indexValues = new double[0];

    int statements;
    long[] statementQueryId = new long[0];
    long[] statementUserId = new long[0];
    double[] statementValues = new double[0];

    Names names;

    public MetricsFrame(Kind kind, String sourceId, long windowStartMs, long windowEndMs, long windowSizeMs,
                        long windowAdvanceMs) {
        this.kind = kind;
        this.sourceId = sourceId;
        this.windowStartMs = windowStartMs;
        this.windowEndMs = windowEndMs;
        this.windowSizeMs = windowSizeMs;
        this.windowAdvanceMs = windowAdvanceMs;
    }

    /** Rows of {@code scope}: 1 for source and database, else the number of objects. */
    public int rows(Scope scope) {
        return switch (scope) {
            case SOURCE -> 1;
            case DATABASE -> hasDatabase || hasActivity || hasCluster || hasStatements ? 1 : 0;
            case TABLE -> tables;
            case INDEX -> indexes;
            case STATEMENT -> statements;
        };
    }

    /** Whether the interval has data for {@code scope} at all: rules of a scope without data neither fire nor resolve. */
    public boolean covers(Scope scope) {
        return switch (scope) {
            case SOURCE -> true;
            case DATABASE -> up && rows(Scope.DATABASE) > 0;
            case TABLE -> up && hasTables;
            case INDEX -> up && hasIndexes;
            case STATEMENT -> up && hasStatements;
        };
    }

    /** The value of {@code metric} in {@code row} of its scope, NaN when there is none. */
    public double value(Metric metric, int row) {
        int column = metric.column();
        return switch (metric.scope()) {
            case SOURCE, DATABASE -> source[column];
            case TABLE -> tableValues[row * Metric.width(Scope.TABLE) + column];
            case INDEX -> indexValues[row * Metric.width(Scope.INDEX) + column];
            case STATEMENT -> statementValues[row * Metric.width(Scope.STATEMENT) + column];
        };
    }

    public double value(Metric metric) {
        return value(metric, 0);
    }

    /** The object of {@code row} of an object scope, or null for the source-wide scopes. */
    public ObjectRef object(Scope scope, int row) {
        return switch (scope) {
            case SOURCE, DATABASE -> null;
            case TABLE -> names.table(tableOid[row]);
            case INDEX -> names.index(indexOid[row]);
            case STATEMENT -> new ObjectRef(io.pgpulse.avro.ObjectKind.STATEMENT, null,
                    "queryid " + statementQueryId[row] + " (role " + statementUserId[row] + ")", statementQueryId[row]);
        };
    }

    /** The OID (queryid for statements) of {@code row}, cheap to compare without naming the object. */
    public long objectId(Scope scope, int row) {
        return switch (scope) {
            case SOURCE, DATABASE -> 0;
            case TABLE -> tableOid[row];
            case INDEX -> indexOid[row];
            case STATEMENT -> statementQueryId[row];
        };
    }

    public Names names() {
        return names;
    }

    void set(Metric metric, double value) {
        source[metric.column()] = value;
    }

    /** Sets {@code metric} of the silence check (the only metric not derived from snapshots). */
    public void setSilentIntervals(double intervals) {
        set(Metric.SOURCE_SILENT_INTERVALS, intervals);
    }

    static double[] nan(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }
}
