package io.pgpulse.processor.window;

import io.pgpulse.processor.internal.DatabaseDeltas;
import io.pgpulse.processor.internal.Deltas;
import io.pgpulse.processor.internal.TableDeltas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds up the deltas of the snapshots that fall into one window: counters and
 * covered time are summed, gauges are taken from the later snapshot. Tables are
 * matched by OID; a table that appears only in the later snapshot joins with its own
 * covered time.
 */
public final class WindowTotals {

    private WindowTotals() {
    }

    /** The empty total a window starts from. */
    public static Deltas empty(String sourceId) {
        return Deltas.newBuilder()
                .setSourceId(sourceId)
                .setLastAt(java.time.Instant.EPOCH)
                .setSnapshots(0)
                .setCoveredMs(0)
                .setUp(false)
                .setDatabase(null)
                .setTables(List.of())
                .build();
    }

    public static Deltas add(Deltas total, Deltas next) {
        boolean nextIsLater = !next.getLastAt().isBefore(total.getLastAt());
        Deltas later = nextIsLater ? next : total;
        return Deltas.newBuilder()
                .setSourceId(next.getSourceId())
                .setLastAt(later.getLastAt())
                .setSnapshots(total.getSnapshots() + next.getSnapshots())
                .setCoveredMs(total.getCoveredMs() + next.getCoveredMs())
                .setUp(later.getUp())
                .setTags(later.getTags())
                .setBaselineReason(next.getBaselineReason() != null ? next.getBaselineReason() : total.getBaselineReason())
                .setDatabase(addDatabase(total.getDatabase(), next.getDatabase(), nextIsLater))
                .setTables(addTables(total.getTables(), next.getTables(), nextIsLater))
                .build();
    }

    private static DatabaseDeltas addDatabase(DatabaseDeltas a, DatabaseDeltas b, boolean bIsLater) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        DatabaseDeltas gauges = bIsLater ? b : a;
        return DatabaseDeltas.newBuilder()
                .setXactCommit(a.getXactCommit() + b.getXactCommit())
                .setXactRollback(a.getXactRollback() + b.getXactRollback())
                .setBlksRead(a.getBlksRead() + b.getBlksRead())
                .setBlksHit(a.getBlksHit() + b.getBlksHit())
                .setTupInserted(a.getTupInserted() + b.getTupInserted())
                .setTupUpdated(a.getTupUpdated() + b.getTupUpdated())
                .setTupDeleted(a.getTupDeleted() + b.getTupDeleted())
                .setTempBytes(a.getTempBytes() + b.getTempBytes())
                .setDeadlocks(a.getDeadlocks() + b.getDeadlocks())
                .setBackends(gauges.getBackends())
                .setMaxConnections(gauges.getMaxConnections())
                .setSizeBytes(gauges.getSizeBytes())
                .setXidAge(gauges.getXidAge())
                .build();
    }

    private static List<TableDeltas> addTables(List<TableDeltas> a, List<TableDeltas> b, boolean bIsLater) {
        Map<Long, TableDeltas> byOid = new LinkedHashMap<>();
        a.forEach(t -> byOid.put(t.getOid(), t));
        for (TableDeltas next : b) {
            byOid.merge(next.getOid(), next, (x, y) -> addTable(x, y, bIsLater));
        }
        return new ArrayList<>(byOid.values());
    }

    private static TableDeltas addTable(TableDeltas a, TableDeltas b, boolean bIsLater) {
        TableDeltas gauges = bIsLater ? b : a;
        TableDeltas other = bIsLater ? a : b;
        return TableDeltas.newBuilder(gauges)
                // Sizes come on a slower interval: keep the one seen last.
                .setTotalSizeBytes(gauges.getTotalSizeBytes() != null ? gauges.getTotalSizeBytes() : other.getTotalSizeBytes())
                .setCoveredMs(a.getCoveredMs() + b.getCoveredMs())
                .setModifications(a.getModifications() + b.getModifications())
                .setSeqScan(a.getSeqScan() + b.getSeqScan())
                .setIdxScan(a.getIdxScan() + b.getIdxScan())
                .build();
    }
}
