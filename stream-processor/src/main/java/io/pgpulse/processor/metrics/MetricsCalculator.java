package io.pgpulse.processor.metrics;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.processor.snapshot.SnapshotColumns;
import io.pgpulse.processor.state.ObjectRows;
import io.pgpulse.processor.state.SourceState;
import java.util.ArrayList;
import java.util.List;

/**
 * The metrics of a source between two of its states: rates are differences of the
 * monotonic counters over the difference of covered time (so a restart or reset inside the
 * interval costs it that step, never a spike), ratios come from the interval's deltas,
 * gauges from the later state. An object whose tracking began within the interval
 * (new, re-created, or back in the top statements) counts from its first sight.
 */
public final class MetricsCalculator {

    private final double slowStatementThresholdMs;

    /** @param slowStatementThresholdMs a statement whose mean in a window exceeds this is slow */
    public MetricsCalculator(double slowStatementThresholdMs) {
        if (!(slowStatementThresholdMs > 0)) {
            throw new IllegalArgumentException("slow statement threshold must be positive, found " + slowStatementThresholdMs);
        }
        this.slowStatementThresholdMs = slowStatementThresholdMs;
    }

    public double slowStatementThresholdMs() {
        return slowStatementThresholdMs;
    }

    /**
     * @param start        the state as of the last snapshot before the interval ({@link SourceState#empty} if none)
     * @param end          the state as of the interval's last snapshot
     * @param withObjects  whether to compute per-table and per-index rows ({@code end} must then hold its objects)
     */
    public MetricsFrame frame(MetricsFrame.Kind kind, SourceState start, SourceState end, long windowStartMs,
                              long windowEndMs, long windowSizeMs, long windowAdvanceMs, MetricsFrame.Names names,
                              boolean withObjects) {
        MetricsFrame f = new MetricsFrame(kind, end.sourceId, windowStartMs, windowEndMs, windowSizeMs, windowAdvanceMs);
        f.names = names;
        f.tags = end.tags;
        f.up = end.up;
        f.intervalMs = end.intervalMs;
        f.lastSnapshotAtMs = end.lastSeenMs;
        f.error = end.error;
        f.slowStatementThresholdMs = slowStatementThresholdMs;
        f.baselineReasons = reasons(start, end);
        f.set(Metric.SOURCE_UP, end.up ? 1 : 0);
        f.set(Metric.SOURCE_SNAPSHOTS, end.seen - start.seen);
        f.set(Metric.SOURCE_COVERED_MS, end.db.cov - start.db.cov);
        f.set(Metric.SOURCE_SILENT_INTERVALS, 0);
        database(f, start, end);
        activity(f, start, end);
        cluster(f, start, end);
        statements(f, start, end);
        if (withObjects) {
            tables(f, start, end);
            indexes(f, start, end);
        }
        return f;
    }

    private static List<String> reasons(SourceState start, SourceState end) {
        List<String> out = new ArrayList<>(2);
        long after = start.lastSeenMs;
        for (int i = 0; i < SourceState.EVENTS; i++) {
            if (end.eventAt[i] != NONE && (after == NONE || end.eventAt[i] > after) && end.eventReason[i] != null) {
                out.add(end.eventReason[i]);
            }
        }
        return out;
    }

    private static void database(MetricsFrame f, SourceState s, SourceState e) {
        if (e.db.samples <= s.db.samples) {
            return;
        }
        f.hasDatabase = true;
        long cov = e.db.cov - s.db.cov;
        long[] d = new long[SnapshotColumns.DB_COUNTERS];
        for (int i = 0; i < d.length; i++) {
            d[i] = e.dbMono[i] - s.dbMono[i];
        }
        f.set(Metric.XACT_COMMIT_PER_S, perSecond(d[SnapshotColumns.XACT_COMMIT], cov));
        f.set(Metric.XACT_ROLLBACK_PER_S, perSecond(d[SnapshotColumns.XACT_ROLLBACK], cov));
        f.set(Metric.BLKS_READ_PER_S, perSecond(d[SnapshotColumns.BLKS_READ], cov));
        f.set(Metric.BLKS_HIT_PER_S, perSecond(d[SnapshotColumns.BLKS_HIT], cov));
        f.set(Metric.CACHE_HIT_RATIO, ratio(d[SnapshotColumns.BLKS_HIT], d[SnapshotColumns.BLKS_HIT] + d[SnapshotColumns.BLKS_READ]));
        if (e.tablesSection.samples > s.tablesSection.samples) {
            long hit = e.idxBlksHitMono - s.idxBlksHitMono;
            long read = e.idxBlksReadMono - s.idxBlksReadMono;
            f.set(Metric.INDEX_HIT_RATIO, ratio(hit, hit + read));
        }
        f.set(Metric.TUP_RETURNED_PER_S, perSecond(d[SnapshotColumns.TUP_RETURNED], cov));
        f.set(Metric.TUP_FETCHED_PER_S, perSecond(d[SnapshotColumns.TUP_FETCHED], cov));
        f.set(Metric.TUP_INSERTED_PER_S, perSecond(d[SnapshotColumns.TUP_INSERTED], cov));
        f.set(Metric.TUP_UPDATED_PER_S, perSecond(d[SnapshotColumns.TUP_UPDATED], cov));
        f.set(Metric.TUP_DELETED_PER_S, perSecond(d[SnapshotColumns.TUP_DELETED], cov));
        f.set(Metric.TEMP_FILES, d[SnapshotColumns.TEMP_FILES]);
        f.set(Metric.TEMP_BYTES_PER_S, perSecond(d[SnapshotColumns.TEMP_BYTES], cov));
        f.set(Metric.DEADLOCKS, d[SnapshotColumns.DEADLOCKS]);
        f.set(Metric.BACKENDS, e.numbackends);
        f.set(Metric.MAX_CONNECTIONS, e.maxConnections);
        long clients = e.activity[SnapshotColumns.CLIENT_BACKENDS];
        f.set(Metric.CONNECTION_UTILIZATION, ratio(clients == NONE ? e.numbackends : clients, e.maxConnections));
        f.set(Metric.SIZE_BYTES, e.sizeBytes);
        if (s.db.samples > 0 && e.db.at > s.db.at) {
            f.set(Metric.GROWTH_BYTES_PER_H, (e.sizeBytes - s.sizeBytes) * 3_600_000.0 / (e.db.at - s.db.at));
        }
        f.set(Metric.XID_AGE, e.xidAge);
    }

    private static void activity(MetricsFrame f, SourceState s, SourceState e) {
        if (e.activitySection.samples <= s.activitySection.samples) {
            return;
        }
        f.hasActivity = true;
        long[] a = e.activity;
        f.set(Metric.CLIENT_BACKENDS, gauge(a[SnapshotColumns.CLIENT_BACKENDS]));
        f.set(Metric.ACTIVE, gauge(a[SnapshotColumns.ACTIVE]));
        f.set(Metric.IDLE_IN_TRANSACTION, gauge(a[SnapshotColumns.IDLE_IN_TRANSACTION]));
        f.set(Metric.WAITING_ON_LOCK, gauge(a[SnapshotColumns.WAITING_ON_LOCK]));
        f.set(Metric.BLOCKED_BACKENDS, gauge(a[SnapshotColumns.BLOCKED_BACKENDS]));
        f.set(Metric.OLDEST_XACT_AGE_S, seconds(a[SnapshotColumns.OLDEST_XACT_AGE_MS]));
        f.set(Metric.OLDEST_QUERY_AGE_S, seconds(a[SnapshotColumns.OLDEST_QUERY_AGE_MS]));
        f.set(Metric.OLDEST_IDLE_IN_TRANSACTION_S, seconds(a[SnapshotColumns.OLDEST_IDLE_IN_TRANSACTION_MS]));
    }

    private static void cluster(MetricsFrame f, SourceState s, SourceState e) {
        boolean checkpointer = e.checkpointerSection.samples > s.checkpointerSection.samples;
        boolean wal = e.walSection.samples > s.walSection.samples;
        boolean archiver = e.archiverSection.samples > s.archiverSection.samples;
        boolean replication = e.replicationSection.samples > s.replicationSection.samples;
        if (!checkpointer && !wal && !archiver && !replication) {
            return;
        }
        f.hasCluster = true;
        if (checkpointer) {
            long timed = e.checkpointsTimedMono - s.checkpointsTimedMono;
            long requested = e.checkpointsRequestedMono - s.checkpointsRequestedMono;
            f.set(Metric.CHECKPOINTS_TIMED, timed);
            f.set(Metric.CHECKPOINTS_REQUESTED, requested);
            f.set(Metric.FORCED_CHECKPOINT_RATIO, ratio(requested, requested + timed));
        }
        if (wal) {
            long cov = e.walSection.cov - s.walSection.cov;
            f.set(Metric.WAL_BYTES_PER_S, cov > 0 ? perSecond(e.walBytesMono - s.walBytesMono, cov) : Double.NaN);
        }
        if (archiver) {
            f.set(Metric.ARCHIVED_COUNT, e.archivedMono - s.archivedMono);
            f.set(Metric.ARCHIVER_FAILURES, e.archiveFailedMono - s.archiveFailedMono);
        }
        if (replication) {
            f.set(Metric.REPLICATION_LAG_S, seconds(e.replicationLagMs));
            f.set(Metric.REPLICATION_LAG_BYTES, gauge(e.replicationLagBytes));
            f.set(Metric.REPLICAS, e.replicas);
            f.set(Metric.IS_STANDBY, e.isStandby ? 1 : 0);
        }
    }

    private void statements(MetricsFrame f, SourceState s, SourceState e) {
        if (e.statementsSection.samples <= s.statementsSection.samples) {
            return;
        }
        f.hasStatements = true;
        ObjectRows end = e.statements;
        ObjectRows start = s.statements;
        int n = end.size();
        int w = Metric.width(Scope.STATEMENT);
        f.statements = n;
        f.statementQueryId = new long[n];
        f.statementUserId = new long[n];
        f.statementValues = MetricsFrame.nan(n * w);
        long totalCalls = 0;
        long totalTimeUs = 0;
        long[] callsOf = new long[n];
        double[] meanOf = new double[n];
        for (int r = 0; r < n; r++) {
            int p = start.find(end.id(r), r);
            boolean same = p >= 0 && start.gen(p) == end.gen(r);
            long calls = end.get(r, SourceState.S_MONO_CALLS) - (same ? start.get(p, SourceState.S_MONO_CALLS) : 0);
            long time = end.get(r, SourceState.S_MONO_TIME_US) - (same ? start.get(p, SourceState.S_MONO_TIME_US) : 0);
            long cov = rowCov(e.statementsSection.cov, end.get(r, SourceState.S_COV_OFFSET))
                    - (same ? rowCov(s.statementsSection.cov, start.get(p, SourceState.S_COV_OFFSET)) : 0);
            f.statementQueryId[r] = end.get(r, SourceState.S_QUERYID);
            f.statementUserId[r] = end.get(r, SourceState.S_USERID);
            int base = r * w;
            f.statementValues[base + Metric.STATEMENT_CALLS.column()] = calls;
            f.statementValues[base + Metric.STATEMENT_CALLS_PER_S.column()] = perSecond(calls, cov);
            f.statementValues[base + Metric.STATEMENT_TOTAL_EXEC_TIME_MS.column()] = time / 1000.0;
            double mean = calls > 0 ? time / 1000.0 / calls : Double.NaN;
            f.statementValues[base + Metric.STATEMENT_MEAN_EXEC_TIME_MS.column()] = mean;
            callsOf[r] = calls;
            meanOf[r] = mean;
            totalCalls += calls;
            totalTimeUs += time;
        }
        long cov = e.statementsSection.cov - s.statementsSection.cov;
        f.set(Metric.STATEMENTS_TRACKED, e.statementCount);
        f.set(Metric.STATEMENTS_CALLS, totalCalls);
        f.set(Metric.STATEMENTS_CALLS_PER_S, perSecond(totalCalls, cov));
        f.set(Metric.STATEMENTS_MEAN_EXEC_TIME_MS, totalCalls > 0 ? totalTimeUs / 1000.0 / totalCalls : Double.NaN);
        f.set(Metric.STATEMENTS_P95_MEAN_EXEC_TIME_MS, weightedPercentile(meanOf, callsOf, 0.95));
        int slow = 0;
        for (int r = 0; r < n; r++) {
            if (callsOf[r] > 0 && meanOf[r] > slowStatementThresholdMs) {
                slow++;
            }
        }
        f.set(Metric.STATEMENTS_SLOW, slow);
    }

    /**
     * The call-weighted percentile of the statements' mean times: the smallest mean m such
     * that statements with a mean of at most m account for {@code q} of all calls. NaN
     * without calls.
     */
    static double weightedPercentile(double[] means, long[] weights, double q) {
        int n = 0;
        long total = 0;
        int[] order = new int[means.length];
        for (int i = 0; i < means.length; i++) {
            if (weights[i] > 0 && !Double.isNaN(means[i])) {
                // Insertion sort by mean: a few dozen statements, no boxing.
                int at = n++;
                while (at > 0 && means[order[at - 1]] > means[i]) {
                    order[at] = order[at - 1];
                    at--;
                }
                order[at] = i;
                total += weights[i];
            }
        }
        if (total == 0) {
            return Double.NaN;
        }
        double needed = q * total;
        long cumulative = 0;
        for (int k = 0; k < n; k++) {
            cumulative += weights[order[k]];
            if (cumulative >= needed) {
                return means[order[k]];
            }
        }
        return means[order[n - 1]];
    }

    private static void tables(MetricsFrame f, SourceState s, SourceState e) {
        if (e.tablesSection.samples <= s.tablesSection.samples) {
            return;
        }
        f.hasTables = true;
        ObjectRows end = e.tables;
        ObjectRows start = s.tables;
        int n = end.size();
        int w = Metric.width(Scope.TABLE);
        f.tables = n;
        f.tableOid = new long[n];
        f.tableLastVacuumMs = new long[n];
        f.tableLastAnalyzeMs = new long[n];
        f.tableValues = MetricsFrame.nan(n * w);
        for (int r = 0; r < n; r++) {
            int p = start.find(end.id(r), r);
            boolean same = p >= 0 && start.gen(p) == end.gen(r);
            long cov = rowCov(e.tablesSection.cov, end.get(r, SourceState.T_COV_OFFSET))
                    - (same ? rowCov(s.tablesSection.cov, start.get(p, SourceState.T_COV_OFFSET)) : 0);
            long mods = end.get(r, SourceState.T_MONO_MODS) - (same ? start.get(p, SourceState.T_MONO_MODS) : 0);
            long seq = end.get(r, SourceState.T_MONO_SEQ) - (same ? start.get(p, SourceState.T_MONO_SEQ) : 0);
            long idx = end.get(r, SourceState.T_MONO_IDX) - (same ? start.get(p, SourceState.T_MONO_IDX) : 0);
            long live = end.get(r, SourceState.T_N_LIVE);
            long dead = end.get(r, SourceState.T_N_DEAD);
            long modsSinceAnalyze = end.get(r, SourceState.T_N_MOD_SINCE_ANALYZE);
            f.tableOid[r] = end.id(r);
            f.tableLastVacuumMs[r] = end.get(r, SourceState.T_LAST_VACUUM_MS);
            f.tableLastAnalyzeMs[r] = end.get(r, SourceState.T_LAST_ANALYZE_MS);
            int base = r * w;
            double[] v = f.tableValues;
            v[base + Metric.TABLE_N_LIVE_TUP.column()] = live;
            v[base + Metric.TABLE_N_DEAD_TUP.column()] = dead;
            v[base + Metric.TABLE_DEAD_TUPLE_RATIO.column()] = live > 0 ? (double) dead / live : Double.NaN;
            v[base + Metric.TABLE_N_MOD_SINCE_ANALYZE.column()] = modsSinceAnalyze;
            v[base + Metric.TABLE_MOD_SINCE_ANALYZE_RATIO.column()] = live > 0 ? (double) modsSinceAnalyze / live : Double.NaN;
            v[base + Metric.TABLE_MODIFICATIONS_PER_S.column()] = perSecond(mods, cov);
            v[base + Metric.TABLE_SEQ_SCAN_PER_S.column()] = perSecond(seq, cov);
            v[base + Metric.TABLE_IDX_SCAN_PER_S.column()] = perSecond(idx, cov);
            v[base + Metric.TABLE_TOTAL_SIZE_BYTES.column()] = gauge(end.get(r, SourceState.T_TOTAL_BYTES));
            v[base + Metric.TABLE_ESTIMATED_BLOAT_BYTES.column()] = gauge(end.get(r, SourceState.T_BLOAT_BYTES));
            v[base + Metric.TABLE_ESTIMATED_BLOAT_RATIO.column()] = ppm(end.get(r, SourceState.T_BLOAT_PPM));
        }
    }

    private static void indexes(MetricsFrame f, SourceState s, SourceState e) {
        if (e.indexesSection.samples <= s.indexesSection.samples) {
            return;
        }
        f.hasIndexes = true;
        ObjectRows end = e.indexes;
        ObjectRows start = s.indexes;
        int n = end.size();
        int w = Metric.width(Scope.INDEX);
        f.indexes = n;
        f.indexOid = new long[n];
        f.indexTableOid = new long[n];
        f.indexValues = MetricsFrame.nan(n * w);
        for (int r = 0; r < n; r++) {
            int p = start.find(end.id(r), r);
            boolean same = p >= 0 && start.gen(p) == end.gen(r);
            long cov = rowCov(e.indexesSection.cov, end.get(r, SourceState.I_COV_OFFSET))
                    - (same ? rowCov(s.indexesSection.cov, start.get(p, SourceState.I_COV_OFFSET)) : 0);
            long scans = end.get(r, SourceState.I_MONO_SCAN) - (same ? start.get(p, SourceState.I_MONO_SCAN) : 0);
            long flags = end.get(r, SourceState.I_FLAGS);
            f.indexOid[r] = end.id(r);
            f.indexTableOid[r] = end.get(r, SourceState.I_TABLE_OID);
            int base = r * w;
            double[] v = f.indexValues;
            v[base + Metric.INDEX_IDX_SCAN_PER_S.column()] = perSecond(scans, cov);
            v[base + Metric.INDEX_SIZE_BYTES.column()] = gauge(end.get(r, SourceState.I_SIZE_BYTES));
            v[base + Metric.INDEX_ESTIMATED_BLOAT_BYTES.column()] = gauge(end.get(r, SourceState.I_BLOAT_BYTES));
            v[base + Metric.INDEX_ESTIMATED_BLOAT_RATIO.column()] = ppm(end.get(r, SourceState.I_BLOAT_PPM));
            long lastScan = end.get(r, SourceState.I_LAST_SCAN_MS);
            v[base + Metric.INDEX_UNUSED_S.column()] = lastScan == NONE ? Double.NaN
                    : Math.max(0, e.indexesSection.at - lastScan) / 1000.0;
            v[base + Metric.INDEX_IS_UNIQUE.column()] = (flags & SnapshotColumns.UNIQUE) != 0 ? 1 : 0;
            v[base + Metric.INDEX_IS_PRIMARY.column()] = (flags & SnapshotColumns.PRIMARY) != 0 ? 1 : 0;
            v[base + Metric.INDEX_IS_VALID.column()] = (flags & SnapshotColumns.VALID) != 0 ? 1 : 0;
        }
    }

    private static long rowCov(long sectionCov, long offset) {
        return sectionCov - offset;
    }

    static double perSecond(long delta, long coveredMs) {
        return coveredMs <= 0 ? 0.0 : delta * 1000.0 / coveredMs;
    }

    private static double ratio(long part, long whole) {
        return whole > 0 ? (double) part / whole : Double.NaN;
    }

    private static double gauge(long value) {
        return value == NONE ? Double.NaN : value;
    }

    private static double seconds(long ms) {
        return ms == NONE ? Double.NaN : ms / 1000.0;
    }

    private static double ppm(long value) {
        return value == NONE ? Double.NaN : value / 1_000_000.0;
    }
}
