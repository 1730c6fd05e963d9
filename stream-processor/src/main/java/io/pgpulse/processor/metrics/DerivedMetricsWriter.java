package io.pgpulse.processor.metrics;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.avro.ActivityMetrics;
import io.pgpulse.avro.ClusterMetrics;
import io.pgpulse.avro.DatabaseMetrics;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.IndexMetrics;
import io.pgpulse.avro.StatementMetrics;
import io.pgpulse.avro.StatementsMetrics;
import io.pgpulse.avro.TableMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Turns a {@link MetricsFrame} into the published {@link DerivedMetrics}: NaN becomes null, or 0 where the contract has no null. */
public final class DerivedMetricsWriter {

    private DerivedMetricsWriter() {
    }

    public static DerivedMetrics toAvro(MetricsFrame f) {
        DerivedMetrics m = new DerivedMetrics();
        m.setSourceId(f.sourceId);
        m.setWindowStart(Instant.ofEpochMilli(f.windowStartMs));
        m.setWindowEnd(Instant.ofEpochMilli(f.windowEndMs));
        m.setSnapshots((int) f.value(Metric.SOURCE_SNAPSHOTS));
        m.setCoveredMs((long) f.value(Metric.SOURCE_COVERED_MS));
        m.setUp(f.up);
        m.setTags(f.tags);
        m.setDatabase(f.hasDatabase ? database(f) : null);
        m.setTables(tables(f));
        m.setWindowSizeMs(f.windowSizeMs);
        m.setWindowAdvanceMs(f.windowAdvanceMs);
        m.setLastSnapshotAt(f.lastSnapshotAtMs == NONE ? null : Instant.ofEpochMilli(f.lastSnapshotAtMs));
        m.setIntervalMs(f.intervalMs);
        m.setBaselineReasons(f.baselineReasons);
        m.setActivity(f.hasActivity ? activity(f) : null);
        m.setCluster(f.hasCluster ? cluster(f) : null);
        m.setStatements(f.hasStatements ? statements(f) : null);
        m.setIndexes(indexes(f));
        return m;
    }

    private static DatabaseMetrics database(MetricsFrame f) {
        DatabaseMetrics d = new DatabaseMetrics();
        d.setXactCommitPerS(zero(f.value(Metric.XACT_COMMIT_PER_S)));
        d.setXactRollbackPerS(zero(f.value(Metric.XACT_ROLLBACK_PER_S)));
        d.setBlksReadPerS(zero(f.value(Metric.BLKS_READ_PER_S)));
        d.setBlksHitPerS(zero(f.value(Metric.BLKS_HIT_PER_S)));
        d.setCacheHitRatio(orNull(f.value(Metric.CACHE_HIT_RATIO)));
        d.setTupInsertedPerS(zero(f.value(Metric.TUP_INSERTED_PER_S)));
        d.setTupUpdatedPerS(zero(f.value(Metric.TUP_UPDATED_PER_S)));
        d.setTupDeletedPerS(zero(f.value(Metric.TUP_DELETED_PER_S)));
        d.setTempBytesPerS(zero(f.value(Metric.TEMP_BYTES_PER_S)));
        d.setDeadlocks((long) zero(f.value(Metric.DEADLOCKS)));
        d.setConnectionUtilization(orNull(f.value(Metric.CONNECTION_UTILIZATION)));
        d.setSizeBytes((long) zero(f.value(Metric.SIZE_BYTES)));
        d.setXidAge((long) zero(f.value(Metric.XID_AGE)));
        d.setIndexHitRatio(orNull(f.value(Metric.INDEX_HIT_RATIO)));
        d.setTupReturnedPerS(orNull(f.value(Metric.TUP_RETURNED_PER_S)));
        d.setTupFetchedPerS(orNull(f.value(Metric.TUP_FETCHED_PER_S)));
        d.setTempFiles(longOrNull(f.value(Metric.TEMP_FILES)));
        d.setBackends(longOrNull(f.value(Metric.BACKENDS)));
        d.setMaxConnections(longOrNull(f.value(Metric.MAX_CONNECTIONS)));
        d.setGrowthBytesPerH(orNull(f.value(Metric.GROWTH_BYTES_PER_H)));
        return d;
    }

    private static ActivityMetrics activity(MetricsFrame f) {
        ActivityMetrics a = new ActivityMetrics();
        a.setClientBackends(longOrNull(f.value(Metric.CLIENT_BACKENDS)));
        a.setActive(longOrNull(f.value(Metric.ACTIVE)));
        a.setIdleInTransaction(longOrNull(f.value(Metric.IDLE_IN_TRANSACTION)));
        a.setWaitingOnLock(longOrNull(f.value(Metric.WAITING_ON_LOCK)));
        a.setBlockedBackends(longOrNull(f.value(Metric.BLOCKED_BACKENDS)));
        a.setOldestXactAgeS(orNull(f.value(Metric.OLDEST_XACT_AGE_S)));
        a.setOldestQueryAgeS(orNull(f.value(Metric.OLDEST_QUERY_AGE_S)));
        a.setOldestIdleInTransactionS(orNull(f.value(Metric.OLDEST_IDLE_IN_TRANSACTION_S)));
        return a;
    }

    private static ClusterMetrics cluster(MetricsFrame f) {
        ClusterMetrics c = new ClusterMetrics();
        c.setCheckpointsTimed(longOrNull(f.value(Metric.CHECKPOINTS_TIMED)));
        c.setCheckpointsRequested(longOrNull(f.value(Metric.CHECKPOINTS_REQUESTED)));
        c.setForcedCheckpointRatio(orNull(f.value(Metric.FORCED_CHECKPOINT_RATIO)));
        c.setWalBytesPerS(orNull(f.value(Metric.WAL_BYTES_PER_S)));
        c.setArchivedCount(longOrNull(f.value(Metric.ARCHIVED_COUNT)));
        c.setArchiverFailures(longOrNull(f.value(Metric.ARCHIVER_FAILURES)));
        c.setReplicationLagS(orNull(f.value(Metric.REPLICATION_LAG_S)));
        c.setReplicationLagBytes(longOrNull(f.value(Metric.REPLICATION_LAG_BYTES)));
        c.setReplicas(longOrNull(f.value(Metric.REPLICAS)));
        double standby = f.value(Metric.IS_STANDBY);
        c.setIsStandby(Double.isNaN(standby) ? null : standby != 0);
        return c;
    }

    private static StatementsMetrics statements(MetricsFrame f) {
        StatementsMetrics s = new StatementsMetrics();
        s.setTracked(longOrNull(f.value(Metric.STATEMENTS_TRACKED)));
        s.setCalls(longOrNull(f.value(Metric.STATEMENTS_CALLS)));
        s.setCallsPerS(orNull(f.value(Metric.STATEMENTS_CALLS_PER_S)));
        s.setMeanExecTimeMs(orNull(f.value(Metric.STATEMENTS_MEAN_EXEC_TIME_MS)));
        s.setP95MeanExecTimeMs(orNull(f.value(Metric.STATEMENTS_P95_MEAN_EXEC_TIME_MS)));
        s.setSlowStatements(longOrNull(f.value(Metric.STATEMENTS_SLOW)));
        s.setSlowThresholdMs(f.slowStatementThresholdMs);
        List<StatementMetrics> top = new ArrayList<>(f.statements);
        for (int r = 0; r < f.statements; r++) {
            StatementMetrics m = new StatementMetrics();
            m.setQueryid(f.statementQueryId[r]);
            m.setUserid(f.statementUserId[r]);
            m.setCalls((long) zero(f.value(Metric.STATEMENT_CALLS, r)));
            m.setCallsPerS(zero(f.value(Metric.STATEMENT_CALLS_PER_S, r)));
            m.setMeanExecTimeMs(orNull(f.value(Metric.STATEMENT_MEAN_EXEC_TIME_MS, r)));
            m.setTotalExecTimeMs(zero(f.value(Metric.STATEMENT_TOTAL_EXEC_TIME_MS, r)));
            top.add(m);
        }
        s.setTop(top);
        return s;
    }

    private static List<TableMetrics> tables(MetricsFrame f) {
        List<TableMetrics> out = new ArrayList<>(f.tables);
        for (int r = 0; r < f.tables; r++) {
            TableMetrics t = new TableMetrics();
            t.setTable(f.object(Scope.TABLE, r));
            t.setNLiveTup((long) zero(f.value(Metric.TABLE_N_LIVE_TUP, r)));
            t.setNDeadTup((long) zero(f.value(Metric.TABLE_N_DEAD_TUP, r)));
            t.setDeadTupleRatio(orNull(f.value(Metric.TABLE_DEAD_TUPLE_RATIO, r)));
            t.setNModSinceAnalyze((long) zero(f.value(Metric.TABLE_N_MOD_SINCE_ANALYZE, r)));
            t.setModificationsPerS(zero(f.value(Metric.TABLE_MODIFICATIONS_PER_S, r)));
            t.setSeqScanPerS(zero(f.value(Metric.TABLE_SEQ_SCAN_PER_S, r)));
            t.setIdxScanPerS(zero(f.value(Metric.TABLE_IDX_SCAN_PER_S, r)));
            t.setTotalSizeBytes(longOrNull(f.value(Metric.TABLE_TOTAL_SIZE_BYTES, r)));
            t.setLastVacuum(instant(f.tableLastVacuumMs[r]));
            t.setModSinceAnalyzeRatio(orNull(f.value(Metric.TABLE_MOD_SINCE_ANALYZE_RATIO, r)));
            t.setEstimatedBloatBytes(longOrNull(f.value(Metric.TABLE_ESTIMATED_BLOAT_BYTES, r)));
            t.setEstimatedBloatRatio(orNull(f.value(Metric.TABLE_ESTIMATED_BLOAT_RATIO, r)));
            t.setLastAnalyze(instant(f.tableLastAnalyzeMs[r]));
            out.add(t);
        }
        return out;
    }

    private static List<IndexMetrics> indexes(MetricsFrame f) {
        List<IndexMetrics> out = new ArrayList<>(f.indexes);
        for (int r = 0; r < f.indexes; r++) {
            IndexMetrics x = new IndexMetrics();
            x.setIndex(f.object(Scope.INDEX, r));
            x.setTable(f.names.indexTable(f.indexOid[r], f.indexTableOid[r]));
            x.setIdxScanPerS(zero(f.value(Metric.INDEX_IDX_SCAN_PER_S, r)));
            x.setSizeBytes(longOrNull(f.value(Metric.INDEX_SIZE_BYTES, r)));
            x.setEstimatedBloatBytes(longOrNull(f.value(Metric.INDEX_ESTIMATED_BLOAT_BYTES, r)));
            x.setEstimatedBloatRatio(orNull(f.value(Metric.INDEX_ESTIMATED_BLOAT_RATIO, r)));
            x.setUnusedS(orNull(f.value(Metric.INDEX_UNUSED_S, r)));
            x.setIsUnique(f.value(Metric.INDEX_IS_UNIQUE, r) == 1);
            x.setIsPrimary(f.value(Metric.INDEX_IS_PRIMARY, r) == 1);
            x.setIsValid(f.value(Metric.INDEX_IS_VALID, r) == 1);
            out.add(x);
        }
        return out;
    }

    private static Instant instant(long ms) {
        return ms == NONE ? null : Instant.ofEpochMilli(ms);
    }

    private static double zero(double v) {
        return Double.isNaN(v) ? 0.0 : v;
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static Long longOrNull(double v) {
        return Double.isNaN(v) ? null : (long) v;
    }
}
