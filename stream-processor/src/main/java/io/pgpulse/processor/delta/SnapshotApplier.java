package io.pgpulse.processor.delta;

import static io.pgpulse.processor.snapshot.SnapshotColumns.NONE;

import io.pgpulse.processor.snapshot.SnapshotColumns;
import io.pgpulse.processor.state.ObjectCatalog;
import io.pgpulse.processor.state.ObjectRows;
import io.pgpulse.processor.state.SourceState;
import io.pgpulse.processor.state.SourceState.Section;
import java.time.Instant;

/**
 * Applies one snapshot to a source's {@link SourceState}: each counter's delta since the
 * previous snapshot is added to its monotonic twin, and each section's covered time grows
 * by the time between the two snapshots. Only while nothing restarted the counters: a
 * server restart (new postmaster start time), a {@code stats_reset} change or a counter
 * going backwards makes that step a new baseline for what it touched (the whole server, a
 * section, one table, index or statement): the delta counted is zero and the time is not
 * covered, so no rate is ever negative and none spikes. A table or index seen for the
 * first time, or under a new OID (dropped and re-created), starts its own tracking.
 *
 * <p>Pure: the previous state is left as it was, which is what lets a caller compute the
 * metrics of the step from both.
 */
public final class SnapshotApplier {

    /** The result of one snapshot: the new state and why, if at all, counters restarted. */
    public record Step(SourceState previous, SourceState next, SnapshotColumns snapshot, String baselineReason,
                       boolean namesChanged) {
    }

    private SnapshotApplier() {
    }

    /**
     * @param previous the source's state before this snapshot, or null for a source never seen
     * @param c        a snapshot newer than {@code previous.lastSeenMs}
     */
    public static Step apply(SourceState previous, SnapshotColumns c) {
        SourceState before = previous == null ? SourceState.empty(c.sourceId) : previous;
        SourceState next = before.copy();
        long t = c.collectedAtMs;
        next.sourceId = c.sourceId;
        next.tags = c.tags;
        next.intervalMs = c.intervalMs;
        next.lastSeenMs = t;
        next.seen++;
        next.up = c.up;
        next.error = c.up ? null : c.error;
        if (!c.up) {
            // Down: nothing to compare; the baseline stays so that the deltas after the
            // outage (when the server did not restart) span it.
            return new Step(before, next, c, null, false);
        }
        String reason = null;
        boolean restarted = false;
        if (c.hasServer) {
            restarted = before.postmasterStartMs != NONE && c.postmasterStartMs != before.postmasterStartMs;
            next.postmasterStartMs = c.postmasterStartMs;
            next.maxConnections = c.maxConnections;
            next.inRecovery = c.inRecovery;
            next.versionNum = c.versionNum;
            if (restarted) {
                reason = "server restarted at " + Instant.ofEpochMilli(c.postmasterStartMs);
            }
        }
        boolean dbReset = false;
        if (c.hasDatabase) {
            String dbReason = database(before, next, c, restarted);
            dbReset = dbReason != null;
            reason = reason != null ? reason : dbReason;
        }
        boolean objectsReset = restarted || dbReset;
        if (c.hasTables || c.hasTableSizes) {
            tables(before, next, c, objectsReset);
        }
        if (c.hasIndexes || c.hasIndexSizes) {
            indexes(before, next, c, objectsReset);
        }
        if (c.hasStatements) {
            statements(before, next, c, restarted);
        }
        if (c.hasCheckpointer) {
            reason = first(reason, checkpointer(before, next, c, restarted));
        }
        if (c.hasWal) {
            reason = first(reason, wal(before, next, c, restarted));
        }
        if (c.hasArchiver) {
            reason = first(reason, archiver(before, next, c, restarted));
        }
        if (c.hasActivity) {
            System.arraycopy(c.activity, 0, next.activity, 0, c.activity.length);
            step(next.activitySection, t, false);
        }
        if (c.hasReplication) {
            next.isStandby = c.isStandby;
            next.replicas = c.replicas;
            next.replicationLagMs = c.replicationLagMs;
            next.replicationLagBytes = c.replicationLagBytes;
            step(next.replicationSection, t, false);
        }
        boolean namesChanged = false;
        if (c.hasTables) {
            long h = ObjectCatalog.tableNamesHash(c);
            namesChanged = h != before.tableNamesHash || before.tablesSection.samples == 0;
            next.tableNamesHash = h;
        }
        if (c.hasIndexes) {
            long h = ObjectCatalog.indexNamesHash(c);
            namesChanged |= h != before.indexNamesHash || before.indexesSection.samples == 0;
            next.indexNamesHash = h;
        }
        if (reason != null) {
            next.addEvent(t, reason);
        }
        return new Step(before, next, c, reason, namesChanged);
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    /** Adds the time since the section's last collection to its covered time when {@code comparable}. */
    private static long step(Section s, long t, boolean comparable) {
        long covered = comparable && s.at != NONE && t > s.at ? t - s.at : 0;
        s.cov += covered;
        s.samples++;
        s.at = t;
        return covered;
    }

    private static String database(SourceState before, SourceState next, SnapshotColumns c, boolean restarted) {
        Section s = before.db;
        String reason = null;
        if (s.at != NONE && !restarted) {
            if (c.dbStatsResetMs != before.dbStatsResetMs) {
                reason = "statistics reset at " + (c.dbStatsResetMs == NONE ? "an unknown time"
                        : Instant.ofEpochMilli(c.dbStatsResetMs));
            } else {
                for (int i = 0; i < SnapshotColumns.DB_COUNTERS; i++) {
                    if (c.db[i] < before.dbRaw[i]) {
                        reason = "a database counter went backwards";
                        break;
                    }
                }
            }
        }
        boolean comparable = s.at != NONE && !restarted && reason == null;
        for (int i = 0; i < SnapshotColumns.DB_COUNTERS; i++) {
            if (comparable) {
                next.dbMono[i] = before.dbMono[i] + (c.db[i] - before.dbRaw[i]);
            }
            next.dbRaw[i] = c.db[i];
        }
        next.dbStatsResetMs = c.dbStatsResetMs;
        next.numbackends = c.numbackends;
        next.sizeBytes = c.sizeBytes;
        next.xidAge = c.xidAge;
        step(next.db, c.collectedAtMs, comparable);
        return reason;
    }

    private static void tables(SourceState before, SourceState next, SnapshotColumns c, boolean reset) {
        ObjectRows old = before.tables;
        Section section = next.tablesSection;
        ObjectRows sizes = sizes(c.hasTableSizes, c.tableSizes, c.tableSizeOid, c.tableSizeValues);
        if (!c.hasTables) {
            next.tables = withSizes(old, sizes, SourceState.T_TOTAL_BYTES);
            return;
        }
        long t = c.collectedAtMs;
        boolean sectionComparable = section.at != NONE && !reset && t > section.at;
        long segment = sectionComparable ? t - section.at : 0;
        long cov = section.cov + segment;
        ObjectRows rows = new ObjectRows(SourceState.TABLE_WIDTH, c.tables);
        long idxRead = 0;
        long idxHit = 0;
        for (int i = 0; i < c.tables; i++) {
            long oid = c.tableOid[i];
            long mods = c.table(i, SnapshotColumns.T_INS) + c.table(i, SnapshotColumns.T_UPD)
                    + c.table(i, SnapshotColumns.T_DEL);
            long seq = c.table(i, SnapshotColumns.T_SEQ_SCAN);
            long idx = c.table(i, SnapshotColumns.T_IDX_SCAN);
            long blksRead = c.table(i, SnapshotColumns.T_IDX_BLKS_READ);
            long blksHit = c.table(i, SnapshotColumns.T_IDX_BLKS_HIT);
            int p = old.find(oid, i);
            int row;
            if (p < 0) {
                row = rows.add(oid, next.nextGen++);
                rows.set(row, SourceState.T_MONO_MODS, 0);
                rows.set(row, SourceState.T_MONO_SEQ, 0);
                rows.set(row, SourceState.T_MONO_IDX, 0);
                rows.set(row, SourceState.T_COV_OFFSET, cov);
            } else {
                row = rows.add(oid, old.gen(p));
                boolean comparable = sectionComparable
                        && mods >= old.get(p, SourceState.T_RAW_MODS) && seq >= old.get(p, SourceState.T_RAW_SEQ)
                        && idx >= old.get(p, SourceState.T_RAW_IDX)
                        && blksRead >= old.get(p, SourceState.T_RAW_IDX_BLKS_READ)
                        && blksHit >= old.get(p, SourceState.T_RAW_IDX_BLKS_HIT);
                if (comparable) {
                    rows.set(row, SourceState.T_MONO_MODS, old.get(p, SourceState.T_MONO_MODS) + mods - old.get(p, SourceState.T_RAW_MODS));
                    rows.set(row, SourceState.T_MONO_SEQ, old.get(p, SourceState.T_MONO_SEQ) + seq - old.get(p, SourceState.T_RAW_SEQ));
                    rows.set(row, SourceState.T_MONO_IDX, old.get(p, SourceState.T_MONO_IDX) + idx - old.get(p, SourceState.T_RAW_IDX));
                    rows.set(row, SourceState.T_COV_OFFSET, old.get(p, SourceState.T_COV_OFFSET));
                    idxRead += blksRead - old.get(p, SourceState.T_RAW_IDX_BLKS_READ);
                    idxHit += blksHit - old.get(p, SourceState.T_RAW_IDX_BLKS_HIT);
                } else {
                    rows.set(row, SourceState.T_MONO_MODS, old.get(p, SourceState.T_MONO_MODS));
                    rows.set(row, SourceState.T_MONO_SEQ, old.get(p, SourceState.T_MONO_SEQ));
                    rows.set(row, SourceState.T_MONO_IDX, old.get(p, SourceState.T_MONO_IDX));
                    rows.set(row, SourceState.T_COV_OFFSET, old.get(p, SourceState.T_COV_OFFSET) + segment);
                }
                rows.set(row, SourceState.T_TOTAL_BYTES, old.get(p, SourceState.T_TOTAL_BYTES));
                rows.set(row, SourceState.T_BLOAT_BYTES, old.get(p, SourceState.T_BLOAT_BYTES));
                rows.set(row, SourceState.T_BLOAT_PPM, old.get(p, SourceState.T_BLOAT_PPM));
            }
            rows.set(row, SourceState.T_RAW_MODS, mods);
            rows.set(row, SourceState.T_RAW_SEQ, seq);
            rows.set(row, SourceState.T_RAW_IDX, idx);
            rows.set(row, SourceState.T_RAW_IDX_BLKS_READ, blksRead);
            rows.set(row, SourceState.T_RAW_IDX_BLKS_HIT, blksHit);
            rows.set(row, SourceState.T_N_LIVE, c.table(i, SnapshotColumns.T_N_LIVE));
            rows.set(row, SourceState.T_N_DEAD, c.table(i, SnapshotColumns.T_N_DEAD));
            rows.set(row, SourceState.T_N_MOD_SINCE_ANALYZE, c.table(i, SnapshotColumns.T_N_MOD_SINCE_ANALYZE));
            rows.set(row, SourceState.T_LAST_VACUUM_MS, c.table(i, SnapshotColumns.T_LAST_VACUUM_MS));
            rows.set(row, SourceState.T_LAST_ANALYZE_MS, c.table(i, SnapshotColumns.T_LAST_ANALYZE_MS));
            copySize(sizes, oid, i, rows, row, SourceState.T_TOTAL_BYTES);
        }
        next.tables = rows.seal();
        next.idxBlksReadMono += idxRead;
        next.idxBlksHitMono += idxHit;
        step(section, t, sectionComparable);
    }

    private static void indexes(SourceState before, SourceState next, SnapshotColumns c, boolean reset) {
        ObjectRows old = before.indexes;
        Section section = next.indexesSection;
        ObjectRows sizes = sizes(c.hasIndexSizes, c.indexSizes, c.indexSizeOid, c.indexSizeValues);
        if (!c.hasIndexes) {
            next.indexes = withSizes(old, sizes, SourceState.I_SIZE_BYTES);
            return;
        }
        long t = c.collectedAtMs;
        boolean sectionComparable = section.at != NONE && !reset && t > section.at;
        long segment = sectionComparable ? t - section.at : 0;
        long cov = section.cov + segment;
        ObjectRows rows = new ObjectRows(SourceState.INDEX_WIDTH, c.indexes);
        for (int i = 0; i < c.indexes; i++) {
            long oid = c.indexOid[i];
            long scans = c.indexScans[i];
            int p = old.find(oid, i);
            int row;
            if (p < 0) {
                row = rows.add(oid, next.nextGen++);
                rows.set(row, SourceState.I_MONO_SCAN, 0);
                rows.set(row, SourceState.I_COV_OFFSET, cov);
                rows.set(row, SourceState.I_LAST_SCAN_MS, t);
            } else {
                row = rows.add(oid, old.gen(p));
                long oldScans = old.get(p, SourceState.I_RAW_SCAN);
                boolean comparable = sectionComparable && scans >= oldScans;
                long lastScan = old.get(p, SourceState.I_LAST_SCAN_MS);
                if (comparable) {
                    rows.set(row, SourceState.I_MONO_SCAN, old.get(p, SourceState.I_MONO_SCAN) + scans - oldScans);
                    rows.set(row, SourceState.I_COV_OFFSET, old.get(p, SourceState.I_COV_OFFSET));
                    if (scans > oldScans) {
                        lastScan = t;
                    }
                } else {
                    rows.set(row, SourceState.I_MONO_SCAN, old.get(p, SourceState.I_MONO_SCAN));
                    rows.set(row, SourceState.I_COV_OFFSET, old.get(p, SourceState.I_COV_OFFSET) + segment);
                    if (scans > 0) {
                        lastScan = t; // scanned some time since the counters restarted
                    }
                }
                rows.set(row, SourceState.I_LAST_SCAN_MS, lastScan);
                rows.set(row, SourceState.I_SIZE_BYTES, old.get(p, SourceState.I_SIZE_BYTES));
                rows.set(row, SourceState.I_BLOAT_BYTES, old.get(p, SourceState.I_BLOAT_BYTES));
                rows.set(row, SourceState.I_BLOAT_PPM, old.get(p, SourceState.I_BLOAT_PPM));
            }
            rows.set(row, SourceState.I_RAW_SCAN, scans);
            rows.set(row, SourceState.I_TABLE_OID, c.indexTableOid[i]);
            rows.set(row, SourceState.I_FLAGS, c.indexFlags[i]);
            copySize(sizes, oid, i, rows, row, SourceState.I_SIZE_BYTES);
        }
        next.indexes = rows.seal();
        step(section, t, sectionComparable);
    }

    private static void statements(SourceState before, SourceState next, SnapshotColumns c, boolean restarted) {
        ObjectRows old = before.statements;
        Section section = next.statementsSection;
        long t = c.collectedAtMs;
        boolean sectionComparable = section.at != NONE && !restarted && t > section.at;
        long segment = sectionComparable ? t - section.at : 0;
        long cov = section.cov + segment;
        ObjectRows rows = new ObjectRows(SourceState.STATEMENT_WIDTH, c.statements);
        java.util.Set<Long> taken = new java.util.HashSet<>(c.statements * 2);
        for (int i = 0; i < c.statements; i++) {
            long id = SourceState.statementId(c.queryId[i], c.userId[i]);
            long calls = c.calls[i];
            long time = c.execTimeUs[i];
            if (!taken.add(id)) {
                continue; // the same statement twice in one snapshot: keep the first
            }
            int p = old.find(id, rows.size());
            int row;
            if (p < 0) {
                row = rows.add(id, next.nextGen++);
                rows.set(row, SourceState.S_MONO_CALLS, 0);
                rows.set(row, SourceState.S_MONO_TIME_US, 0);
                rows.set(row, SourceState.S_COV_OFFSET, cov);
            } else {
                row = rows.add(id, old.gen(p));
                long oldCalls = old.get(p, SourceState.S_RAW_CALLS);
                long oldTime = old.get(p, SourceState.S_RAW_TIME_US);
                // pg_stat_statements_reset() or an evicted and re-added entry: counters go backwards.
                boolean comparable = sectionComparable && calls >= oldCalls && time >= oldTime;
                rows.set(row, SourceState.S_MONO_CALLS, old.get(p, SourceState.S_MONO_CALLS) + (comparable ? calls - oldCalls : 0));
                rows.set(row, SourceState.S_MONO_TIME_US, old.get(p, SourceState.S_MONO_TIME_US) + (comparable ? time - oldTime : 0));
                rows.set(row, SourceState.S_COV_OFFSET, old.get(p, SourceState.S_COV_OFFSET) + (comparable ? 0 : segment));
            }
            rows.set(row, SourceState.S_QUERYID, c.queryId[i]);
            rows.set(row, SourceState.S_USERID, c.userId[i]);
            rows.set(row, SourceState.S_RAW_CALLS, calls);
            rows.set(row, SourceState.S_RAW_TIME_US, time);
        }
        next.statements = rows.seal();
        next.statementCount = c.statementCount;
        step(section, t, sectionComparable);
    }

    private static String checkpointer(SourceState before, SourceState next, SnapshotColumns c, boolean restarted) {
        Section s = before.checkpointerSection;
        String reason = null;
        boolean known = s.at != NONE && !restarted;
        if (known && c.checkpointerStatsResetMs != before.checkpointerStatsResetMs) {
            reason = "checkpointer statistics reset";
        } else if (known && (c.checkpointsTimed < before.checkpointsTimedRaw
                || c.checkpointsRequested < before.checkpointsRequestedRaw)) {
            reason = "a checkpointer counter went backwards";
        }
        boolean comparable = known && reason == null;
        if (comparable) {
            next.checkpointsTimedMono += c.checkpointsTimed - before.checkpointsTimedRaw;
            next.checkpointsRequestedMono += c.checkpointsRequested - before.checkpointsRequestedRaw;
        }
        next.checkpointsTimedRaw = c.checkpointsTimed;
        next.checkpointsRequestedRaw = c.checkpointsRequested;
        next.checkpointerStatsResetMs = c.checkpointerStatsResetMs;
        step(next.checkpointerSection, c.collectedAtMs, comparable);
        return reason;
    }

    private static String wal(SourceState before, SourceState next, SnapshotColumns c, boolean restarted) {
        Section s = before.walSection;
        String reason = null;
        boolean known = s.at != NONE && !restarted;
        if (known && c.walStatsResetMs != before.walStatsResetMs) {
            reason = "WAL statistics reset";
        } else if (known && c.walBytes < before.walBytesRaw) {
            reason = "the WAL byte counter went backwards";
        }
        boolean comparable = known && reason == null;
        if (comparable) {
            next.walBytesMono += c.walBytes - before.walBytesRaw;
        }
        next.walBytesRaw = c.walBytes;
        next.walStatsResetMs = c.walStatsResetMs;
        step(next.walSection, c.collectedAtMs, comparable);
        return reason;
    }

    private static String archiver(SourceState before, SourceState next, SnapshotColumns c, boolean restarted) {
        Section s = before.archiverSection;
        String reason = null;
        boolean known = s.at != NONE && !restarted;
        if (known && c.archiverStatsResetMs != before.archiverStatsResetMs) {
            reason = "archiver statistics reset";
        } else if (known && (c.archivedCount < before.archivedRaw || c.archiveFailedCount < before.archiveFailedRaw)) {
            reason = "an archiver counter went backwards";
        }
        boolean comparable = known && reason == null;
        if (comparable) {
            next.archivedMono += c.archivedCount - before.archivedRaw;
            next.archiveFailedMono += c.archiveFailedCount - before.archiveFailedRaw;
        }
        next.archivedRaw = c.archivedCount;
        next.archiveFailedRaw = c.archiveFailedCount;
        next.archiverStatsResetMs = c.archiverStatsResetMs;
        step(next.archiverSection, c.collectedAtMs, comparable);
        return reason;
    }

    private static ObjectRows sizes(boolean has, int n, long[] oids, long[] values) {
        if (!has) {
            return null;
        }
        ObjectRows sizes = new ObjectRows(SnapshotColumns.SIZE_WIDTH, n);
        for (int i = 0; i < n; i++) {
            int row = sizes.add(oids[i], 0);
            for (int k = 0; k < SnapshotColumns.SIZE_WIDTH; k++) {
                sizes.set(row, k, values[i * SnapshotColumns.SIZE_WIDTH + k]);
            }
        }
        return sizes.seal();
    }

    /** Copies the last known size of {@code oid} into three consecutive slots from {@code firstSlot}. */
    private static void copySize(ObjectRows sizes, long oid, int hint, ObjectRows rows, int row, int firstSlot) {
        if (sizes == null) {
            return;
        }
        int s = sizes.find(oid, hint);
        if (s < 0) {
            return;
        }
        for (int k = 0; k < SnapshotColumns.SIZE_WIDTH; k++) {
            rows.set(row, firstSlot + k, sizes.get(s, k));
        }
    }

    /** The rows of {@code old} with sizes updated (a snapshot with sizes but without the counters). */
    private static ObjectRows withSizes(ObjectRows old, ObjectRows sizes, int firstSlot) {
        if (sizes == null || old.size() == 0) {
            return old;
        }
        ObjectRows rows = new ObjectRows(old.width(), old.size());
        for (int p = 0; p < old.size(); p++) {
            int row = rows.add(old.id(p), old.gen(p));
            for (int k = 0; k < old.width(); k++) {
                rows.set(row, k, old.get(p, k));
            }
            copySize(sizes, old.id(p), p, rows, row, firstSlot);
        }
        return rows.seal();
    }
}
