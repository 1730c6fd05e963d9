package io.pgpulse.processor.delta;

import io.pgpulse.avro.ActivitySummary;
import io.pgpulse.avro.DatabaseStats;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.ServerInfo;
import io.pgpulse.avro.TableStats;
import io.pgpulse.processor.internal.DatabaseDeltas;
import io.pgpulse.processor.internal.Deltas;
import io.pgpulse.processor.internal.TableDeltas;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns two consecutive snapshots of one source into counter deltas. Cumulative
 * counters only mean something as differences, and only while nothing reset them:
 * a server restart (new postmaster start time), a {@code stats_reset} change or any
 * counter going backwards makes the newer snapshot a fresh baseline (deltas of zero
 * over zero milliseconds), never a negative or a huge rate. The same holds per
 * table: a table seen for the first time, or under a new OID, starts its own baseline.
 */
public final class DeltaCalculator {

    private DeltaCalculator() {
    }

    /** Deltas of {@code current} against {@code previous} (null for the first snapshot of a source). */
    public static Deltas between(PgSnapshot previous, PgSnapshot current) {
        String baselineReason = baselineReason(previous, current);
        boolean baseline = baselineReason != null;
        long coveredMs = baseline ? 0 : Duration.between(previous.getCollectedAt(), current.getCollectedAt()).toMillis();
        return Deltas.newBuilder()
                .setSourceId(current.getSourceId())
                .setLastAt(current.getCollectedAt())
                .setSnapshots(1)
                .setCoveredMs(coveredMs)
                .setUp(current.getUp())
                .setTags(current.getTags())
                .setBaselineReason(baselineReason)
                .setDatabase(databaseDeltas(baseline ? null : previous, current))
                .setTables(tableDeltas(baseline || previous == null ? null : previous.getTables(), current.getTables(),
                        sizesByOid(current), coveredMs))
                .build();
    }

    /** Why {@code current} cannot be compared with {@code previous}, or null when it can. */
    static String baselineReason(PgSnapshot previous, PgSnapshot current) {
        if (!current.getUp() || current.getDatabaseStats() == null || current.getServer() == null) {
            return "no statistics in this snapshot";
        }
        if (previous == null || previous.getDatabaseStats() == null || previous.getServer() == null) {
            return "first snapshot with statistics";
        }
        ServerInfo before = previous.getServer();
        ServerInfo after = current.getServer();
        if (!before.getPostmasterStartTime().equals(after.getPostmasterStartTime())) {
            return "server restarted at " + after.getPostmasterStartTime();
        }
        DatabaseStats a = previous.getDatabaseStats();
        DatabaseStats b = current.getDatabaseStats();
        if (!Objects.equals(a.getStatsReset(), b.getStatsReset())) {
            return "statistics reset at " + b.getStatsReset();
        }
        if (!current.getCollectedAt().isAfter(previous.getCollectedAt())) {
            return "snapshot not newer than the previous one";
        }
        if (b.getXactCommit() < a.getXactCommit() || b.getXactRollback() < a.getXactRollback()
                || b.getBlksRead() < a.getBlksRead() || b.getBlksHit() < a.getBlksHit()
                || b.getTupInserted() < a.getTupInserted() || b.getTupUpdated() < a.getTupUpdated()
                || b.getTupDeleted() < a.getTupDeleted() || b.getTempBytes() < a.getTempBytes()
                || b.getDeadlocks() < a.getDeadlocks()) {
            return "a database counter went backwards";
        }
        return null;
    }

    private static DatabaseDeltas databaseDeltas(PgSnapshot previous, PgSnapshot current) {
        DatabaseStats b = current.getDatabaseStats();
        if (b == null) {
            return null;
        }
        DatabaseStats a = previous == null ? b : previous.getDatabaseStats();
        ActivitySummary activity = current.getActivity();
        return DatabaseDeltas.newBuilder()
                .setXactCommit(b.getXactCommit() - a.getXactCommit())
                .setXactRollback(b.getXactRollback() - a.getXactRollback())
                .setBlksRead(b.getBlksRead() - a.getBlksRead())
                .setBlksHit(b.getBlksHit() - a.getBlksHit())
                .setTupInserted(b.getTupInserted() - a.getTupInserted())
                .setTupUpdated(b.getTupUpdated() - a.getTupUpdated())
                .setTupDeleted(b.getTupDeleted() - a.getTupDeleted())
                .setTempBytes(b.getTempBytes() - a.getTempBytes())
                .setDeadlocks(b.getDeadlocks() - a.getDeadlocks())
                .setBackends(activity == null ? b.getNumbackends() : activity.getTotal())
                .setMaxConnections(current.getServer() == null ? 0 : current.getServer().getMaxConnections())
                .setSizeBytes(b.getSizeBytes())
                .setXidAge(b.getXidAge())
                .build();
    }

    private static Map<Long, Long> sizesByOid(PgSnapshot snapshot) {
        Map<Long, Long> sizes = new HashMap<>();
        if (snapshot.getTableSizes() != null) {
            snapshot.getTableSizes().forEach(t -> sizes.put(t.getOid(), t.getTotalBytes()));
        }
        return sizes;
    }

    private static List<TableDeltas> tableDeltas(List<TableStats> previous, List<TableStats> current,
                                                 Map<Long, Long> sizes, long coveredMs) {
        if (current == null) {
            return List.of();
        }
        Map<Long, TableStats> before = new HashMap<>();
        if (previous != null) {
            previous.forEach(t -> before.put(t.getOid(), t));
        }
        List<TableDeltas> out = new ArrayList<>(current.size());
        for (TableStats b : current) {
            TableStats a = before.get(b.getOid());
            boolean comparable = a != null && !wentBackwards(a, b);
            TableStats base = comparable ? a : b;
            out.add(TableDeltas.newBuilder()
                    .setSchemaName(b.getSchemaName())
                    .setName(b.getName())
                    .setOid(b.getOid())
                    .setCoveredMs(comparable ? coveredMs : 0)
                    .setModifications((b.getNTupIns() - base.getNTupIns()) + (b.getNTupUpd() - base.getNTupUpd())
                            + (b.getNTupDel() - base.getNTupDel()))
                    .setSeqScan(b.getSeqScan() - base.getSeqScan())
                    .setIdxScan(b.getIdxScan() - base.getIdxScan())
                    .setNLiveTup(b.getNLiveTup())
                    .setNDeadTup(b.getNDeadTup())
                    .setNModSinceAnalyze(b.getNModSinceAnalyze())
                    .setTotalSizeBytes(sizes.get(b.getOid()))
                    .setLastVacuum(latest(b.getLastVacuum(), b.getLastAutovacuum()))
                    .build());
        }
        return out;
    }

    private static boolean wentBackwards(TableStats a, TableStats b) {
        return b.getNTupIns() < a.getNTupIns() || b.getNTupUpd() < a.getNTupUpd() || b.getNTupDel() < a.getNTupDel()
                || b.getSeqScan() < a.getSeqScan() || b.getIdxScan() < a.getIdxScan();
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
