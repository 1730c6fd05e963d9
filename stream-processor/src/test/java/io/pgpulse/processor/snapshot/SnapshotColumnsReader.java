package io.pgpulse.processor.snapshot;

import static io.pgpulse.processor.snapshot.SnapshotColumns.NONE;

import io.pgpulse.avro.ActivitySummary;
import io.pgpulse.avro.ArchiverStats;
import io.pgpulse.avro.CheckpointerStats;
import io.pgpulse.avro.DatabaseStats;
import io.pgpulse.avro.IndexSize;
import io.pgpulse.avro.IndexStats;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.ReplicaStats;
import io.pgpulse.avro.ReplicationStats;
import io.pgpulse.avro.ServerInfo;
import io.pgpulse.avro.StatementStats;
import io.pgpulse.avro.TableSize;
import io.pgpulse.avro.TableStats;
import io.pgpulse.avro.WalStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Copies a decoded {@link PgSnapshot} into {@link SnapshotColumns}, the slow way: the reference the
 * {@link SnapshotDecoder} is checked against. Units become the
 * processor's (milliseconds, microseconds, parts per million), nulls become
 * {@link SnapshotColumns#NONE}, and a section that is null stays flagged absent.
 */
public final class SnapshotColumnsReader {

    private SnapshotColumnsReader() {
    }

    public static SnapshotColumns read(PgSnapshot s) {
        SnapshotColumns c = new SnapshotColumns();
        c.sourceId = s.getSourceId();
        c.collectedAtMs = s.getCollectedAt().toEpochMilli();
        c.intervalMs = s.getIntervalMs();
        c.tags = s.getTags() == null ? Map.of() : s.getTags();
        c.up = s.getUp();
        c.error = s.getError() == null ? null
                : s.getError().getErrorClass() + (s.getError().getSqlstate() == null ? "" : " (SQLSTATE "
                + s.getError().getSqlstate() + ")") + ": " + s.getError().getMessage();
        if (!c.up) {
            return c; // a database that is down has no statistics, whatever the sections say
        }
        ServerInfo server = s.getServer();
        if (server != null) {
            c.hasServer = true;
            c.postmasterStartMs = server.getPostmasterStartTime().toEpochMilli();
            c.maxConnections = server.getMaxConnections();
            c.inRecovery = server.getInRecovery();
            c.versionNum = server.getVersionNum();
        }
        database(c, s.getDatabaseStats());
        activity(c, s);
        checkpointer(c, s.getCheckpointer());
        wal(c, s.getWal());
        archiver(c, s.getArchiver());
        replication(c, s.getReplication());
        List<StatementStats> statements = s.getStatements() == null ? null : s.getStatements().getTop();
        List<TableStats> tables = s.getTables();
        List<TableSize> tableSizes = s.getTableSizes();
        List<IndexStats> indexes = s.getIndexes();
        List<IndexSize> indexSizes = s.getIndexSizes();
        c.ensureCapacity(statements == null ? 0 : statements.size(), tables == null ? 0 : tables.size(),
                tableSizes == null ? 0 : tableSizes.size(), indexes == null ? 0 : indexes.size(),
                indexSizes == null ? 0 : indexSizes.size());
        if (statements != null) {
            c.hasStatements = true;
            c.statementCount = s.getStatements().getStatementCount();
            c.statements = statements.size();
            for (int i = 0; i < statements.size(); i++) {
                StatementStats st = statements.get(i);
                c.queryId[i] = st.getQueryid();
                c.userId[i] = st.getUserid();
                c.calls[i] = st.getCalls();
                c.execTimeUs[i] = Math.round(st.getTotalExecTimeMs() * 1000.0);
            }
        }
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream(4096);
        if (tables != null) {
            c.hasTables = true;
            c.tables = tables.size();
            for (int i = 0; i < tables.size(); i++) {
                TableStats t = tables.get(i);
                c.tableOid[i] = t.getOid();
                c.tableSchemaRef[i] = append(text, t.getSchemaName());
                c.tableNameRef[i] = append(text, t.getName());
                int base = i * SnapshotColumns.TABLE_WIDTH;
                long[] v = c.tableValues;
                v[base + SnapshotColumns.T_INS] = t.getNTupIns();
                v[base + SnapshotColumns.T_UPD] = t.getNTupUpd();
                v[base + SnapshotColumns.T_DEL] = t.getNTupDel();
                v[base + SnapshotColumns.T_SEQ_SCAN] = t.getSeqScan();
                v[base + SnapshotColumns.T_IDX_SCAN] = t.getIdxScan();
                v[base + SnapshotColumns.T_IDX_BLKS_READ] = t.getIdxBlksRead();
                v[base + SnapshotColumns.T_IDX_BLKS_HIT] = t.getIdxBlksHit();
                v[base + SnapshotColumns.T_N_LIVE] = t.getNLiveTup();
                v[base + SnapshotColumns.T_N_DEAD] = t.getNDeadTup();
                v[base + SnapshotColumns.T_N_MOD_SINCE_ANALYZE] = t.getNModSinceAnalyze();
                v[base + SnapshotColumns.T_LAST_VACUUM_MS] = latest(t.getLastVacuum(), t.getLastAutovacuum());
                v[base + SnapshotColumns.T_LAST_ANALYZE_MS] = latest(t.getLastAnalyze(), t.getLastAutoanalyze());
            }
        }
        if (tableSizes != null) {
            c.hasTableSizes = true;
            c.tableSizes = tableSizes.size();
            for (int i = 0; i < tableSizes.size(); i++) {
                TableSize t = tableSizes.get(i);
                c.tableSizeOid[i] = t.getOid();
                size(c.tableSizeValues, i, t.getTotalBytes(), t.getEstimatedBloatBytes(), t.getEstimatedBloatRatio());
            }
        }
        if (indexes != null) {
            c.hasIndexes = true;
            c.indexes = indexes.size();
            for (int i = 0; i < indexes.size(); i++) {
                IndexStats x = indexes.get(i);
                c.indexOid[i] = x.getOid();
                c.indexTableOid[i] = x.getTableOid();
                c.indexSchemaRef[i] = append(text, x.getSchemaName());
                c.indexTableRef[i] = append(text, x.getTableName());
                c.indexNameRef[i] = append(text, x.getName());
                c.indexScans[i] = x.getIdxScan();
                c.indexFlags[i] = (x.getIsUnique() ? SnapshotColumns.UNIQUE : 0)
                        | (x.getIsPrimary() ? SnapshotColumns.PRIMARY : 0)
                        | (x.getIsValid() ? SnapshotColumns.VALID : 0);
            }
        }
        c.text = text.toByteArray();
        if (indexSizes != null) {
            c.hasIndexSizes = true;
            c.indexSizes = indexSizes.size();
            for (int i = 0; i < indexSizes.size(); i++) {
                IndexSize x = indexSizes.get(i);
                c.indexSizeOid[i] = x.getOid();
                size(c.indexSizeValues, i, x.getSizeBytes(), x.getEstimatedBloatBytes(), x.getEstimatedBloatRatio());
            }
        }
        return c;
    }

    private static long append(java.io.ByteArrayOutputStream text, String s) {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long ref = SnapshotColumns.ref(text.size(), utf8.length);
        text.writeBytes(utf8);
        return ref;
    }

    private static void database(SnapshotColumns c, DatabaseStats d) {
        if (d == null) {
            return;
        }
        c.hasDatabase = true;
        c.dbStatsResetMs = millis(d.getStatsReset());
        long[] db = c.db;
        db[SnapshotColumns.XACT_COMMIT] = d.getXactCommit();
        db[SnapshotColumns.XACT_ROLLBACK] = d.getXactRollback();
        db[SnapshotColumns.BLKS_READ] = d.getBlksRead();
        db[SnapshotColumns.BLKS_HIT] = d.getBlksHit();
        db[SnapshotColumns.TUP_RETURNED] = d.getTupReturned();
        db[SnapshotColumns.TUP_FETCHED] = d.getTupFetched();
        db[SnapshotColumns.TUP_INSERTED] = d.getTupInserted();
        db[SnapshotColumns.TUP_UPDATED] = d.getTupUpdated();
        db[SnapshotColumns.TUP_DELETED] = d.getTupDeleted();
        db[SnapshotColumns.TEMP_FILES] = d.getTempFiles();
        db[SnapshotColumns.TEMP_BYTES] = d.getTempBytes();
        db[SnapshotColumns.DEADLOCKS] = d.getDeadlocks();
        c.numbackends = d.getNumbackends();
        c.sizeBytes = d.getSizeBytes();
        c.xidAge = d.getXidAge();
    }

    private static void activity(SnapshotColumns c, PgSnapshot s) {
        ActivitySummary a = s.getActivity();
        if (a == null && s.getLocks() == null) {
            return;
        }
        c.hasActivity = true;
        long[] g = c.activity;
        java.util.Arrays.fill(g, NONE);
        if (a != null) {
            g[SnapshotColumns.CLIENT_BACKENDS] = a.getTotal();
            g[SnapshotColumns.ACTIVE] = a.getActive();
            g[SnapshotColumns.IDLE_IN_TRANSACTION] = a.getIdleInTransaction();
            g[SnapshotColumns.WAITING_ON_LOCK] = a.getWaitingOnLock();
            g[SnapshotColumns.OLDEST_XACT_AGE_MS] = secondsToMs(a.getOldestXactAgeS());
            g[SnapshotColumns.OLDEST_QUERY_AGE_MS] = secondsToMs(a.getOldestQueryAgeS());
            g[SnapshotColumns.OLDEST_IDLE_IN_TRANSACTION_MS] = secondsToMs(a.getOldestIdleInTransactionS());
        }
        if (s.getLocks() != null) {
            g[SnapshotColumns.BLOCKED_BACKENDS] = s.getLocks().getBlockedBackends();
        } else if (a != null) {
            g[SnapshotColumns.BLOCKED_BACKENDS] = a.getWaitingOnLock();
        }
    }

    private static void checkpointer(SnapshotColumns c, CheckpointerStats cp) {
        if (cp == null) {
            return;
        }
        c.hasCheckpointer = true;
        c.checkpointsTimed = cp.getCheckpointsTimed();
        c.checkpointsRequested = cp.getCheckpointsReq();
        c.checkpointerStatsResetMs = millis(cp.getStatsReset());
    }

    private static void wal(SnapshotColumns c, WalStats w) {
        if (w == null) {
            return;
        }
        c.hasWal = true;
        c.walBytes = w.getWalBytes();
        c.walStatsResetMs = millis(w.getStatsReset());
    }

    private static void archiver(SnapshotColumns c, ArchiverStats a) {
        if (a == null) {
            return;
        }
        c.hasArchiver = true;
        c.archivedCount = a.getArchivedCount();
        c.archiveFailedCount = a.getFailedCount();
        c.archiverStatsResetMs = millis(a.getStatsReset());
    }

    private static void replication(SnapshotColumns c, ReplicationStats r) {
        if (r == null) {
            return;
        }
        c.hasReplication = true;
        c.isStandby = r.getIsStandby();
        c.replicas = r.getReplicas().size();
        long lagMs = secondsToMs(r.getStandbyReplayLagS());
        long lagBytes = NONE;
        for (ReplicaStats replica : r.getReplicas()) {
            long replicaLag = secondsToMs(replica.getReplayLagS());
            if (replicaLag != NONE && (lagMs == NONE || replicaLag > lagMs)) {
                lagMs = replicaLag;
            }
            Long bytes = replica.getReplayLagBytes();
            if (bytes != null && (lagBytes == NONE || bytes > lagBytes)) {
                lagBytes = bytes;
            }
        }
        c.replicationLagMs = lagMs;
        c.replicationLagBytes = lagBytes;
    }

    private static void size(long[] values, int row, long bytes, Long bloatBytes, Double bloatRatio) {
        int base = row * SnapshotColumns.SIZE_WIDTH;
        values[base + SnapshotColumns.S_BYTES] = bytes;
        values[base + SnapshotColumns.S_BLOAT_BYTES] = bloatBytes == null ? NONE : bloatBytes;
        values[base + SnapshotColumns.S_BLOAT_PPM] = bloatRatio == null || bloatRatio.isNaN() ? NONE
                : Math.round(bloatRatio * 1_000_000);
    }

    private static long latest(Instant a, Instant b) {
        long x = millis(a);
        long y = millis(b);
        return x == NONE ? y : (y == NONE || x > y ? x : y);
    }

    private static long millis(Instant instant) {
        return instant == null ? NONE : instant.toEpochMilli();
    }

    private static long secondsToMs(Double seconds) {
        return seconds == null || seconds.isNaN() ? NONE : Math.round(seconds * 1000.0);
    }
}
