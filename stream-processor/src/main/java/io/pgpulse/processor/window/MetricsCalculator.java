package io.pgpulse.processor.window;

import io.pgpulse.avro.DatabaseMetrics;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.TableMetrics;
import io.pgpulse.processor.internal.DatabaseDeltas;
import io.pgpulse.processor.internal.Deltas;
import io.pgpulse.processor.internal.TableDeltas;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one window's summed deltas into the public {@link DerivedMetrics}: rates are
 * deltas over the time they cover (not over the window's nominal size, which a
 * baseline or a late first snapshot may only partly cover); ratios are taken from
 * the window's deltas, never from lifetime totals.
 */
public final class MetricsCalculator {

    private MetricsCalculator() {
    }

    public static DerivedMetrics toMetrics(Deltas totals, Instant windowStart, Instant windowEnd) {
        List<TableMetrics> tables = new ArrayList<>(totals.getTables().size());
        for (TableDeltas t : totals.getTables()) {
            tables.add(TableMetrics.newBuilder()
                    .setTable(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName(t.getSchemaName())
                            .setName(t.getName()).setOid(t.getOid()).build())
                    .setNLiveTup(t.getNLiveTup())
                    .setNDeadTup(t.getNDeadTup())
                    .setDeadTupleRatio(t.getNLiveTup() > 0 ? (double) t.getNDeadTup() / t.getNLiveTup() : null)
                    .setNModSinceAnalyze(t.getNModSinceAnalyze())
                    .setModificationsPerS(perSecond(t.getModifications(), t.getCoveredMs()))
                    .setSeqScanPerS(perSecond(t.getSeqScan(), t.getCoveredMs()))
                    .setIdxScanPerS(perSecond(t.getIdxScan(), t.getCoveredMs()))
                    .setTotalSizeBytes(t.getTotalSizeBytes())
                    .setLastVacuum(t.getLastVacuum())
                    .build());
        }
        return DerivedMetrics.newBuilder()
                .setSourceId(totals.getSourceId())
                .setWindowStart(windowStart)
                .setWindowEnd(windowEnd)
                .setSnapshots(totals.getSnapshots())
                .setCoveredMs(totals.getCoveredMs())
                .setUp(totals.getUp())
                .setTags(totals.getTags())
                .setDatabase(database(totals.getDatabase(), totals.getCoveredMs()))
                .setTables(tables)
                .build();
    }

    private static DatabaseMetrics database(DatabaseDeltas d, long coveredMs) {
        if (d == null) {
            return null;
        }
        long touched = d.getBlksHit() + d.getBlksRead();
        return DatabaseMetrics.newBuilder()
                .setXactCommitPerS(perSecond(d.getXactCommit(), coveredMs))
                .setXactRollbackPerS(perSecond(d.getXactRollback(), coveredMs))
                .setBlksReadPerS(perSecond(d.getBlksRead(), coveredMs))
                .setBlksHitPerS(perSecond(d.getBlksHit(), coveredMs))
                .setCacheHitRatio(touched > 0 ? (double) d.getBlksHit() / touched : null)
                .setTupInsertedPerS(perSecond(d.getTupInserted(), coveredMs))
                .setTupUpdatedPerS(perSecond(d.getTupUpdated(), coveredMs))
                .setTupDeletedPerS(perSecond(d.getTupDeleted(), coveredMs))
                .setTempBytesPerS(perSecond(d.getTempBytes(), coveredMs))
                .setDeadlocks(d.getDeadlocks())
                .setConnectionUtilization(d.getMaxConnections() > 0 ? (double) d.getBackends() / d.getMaxConnections() : null)
                .setSizeBytes(d.getSizeBytes())
                .setXidAge(d.getXidAge())
                .build();
    }

    static double perSecond(long delta, long coveredMs) {
        return coveredMs <= 0 ? 0.0 : delta * 1000.0 / coveredMs;
    }
}
