package io.pgpulse.processor.snapshot;

import io.pgpulse.processor.state.StateWriter;
import java.util.Arrays;
import java.util.Map;

/**
 * What the processor reads of one {@code PgSnapshot}, column by column: counters and
 * gauges as plain longs in arrays (timestamps in epoch milliseconds, ages in
 * milliseconds, ratios in parts per million, {@link #NONE} for null), so that applying a
 * snapshot to a source's state touches no boxed values. {@link SnapshotDecoder} fills it
 * straight from the record's bytes.
 *
 * <p>A section whose {@code has...} flag is false did not run in this snapshot (each
 * collector group has its own interval): the state keeps that section's baseline as it was.
 */
public final class SnapshotColumns {

    public static final long NONE = StateWriter.NONE;

    /** Database counters, in the order of {@link #db}. */
    public static final int XACT_COMMIT = 0;
    public static final int XACT_ROLLBACK = 1;
    public static final int BLKS_READ = 2;
    public static final int BLKS_HIT = 3;
    public static final int TUP_RETURNED = 4;
    public static final int TUP_FETCHED = 5;
    public static final int TUP_INSERTED = 6;
    public static final int TUP_UPDATED = 7;
    public static final int TUP_DELETED = 8;
    public static final int TEMP_FILES = 9;
    public static final int TEMP_BYTES = 10;
    public static final int DEADLOCKS = 11;
    public static final int DB_COUNTERS = 12;

    /** Activity gauges, in the order of {@link #activity}. */
    public static final int CLIENT_BACKENDS = 0;
    public static final int ACTIVE = 1;
    public static final int IDLE_IN_TRANSACTION = 2;
    public static final int WAITING_ON_LOCK = 3;
    public static final int BLOCKED_BACKENDS = 4;
    public static final int OLDEST_XACT_AGE_MS = 5;
    public static final int OLDEST_QUERY_AGE_MS = 6;
    public static final int OLDEST_IDLE_IN_TRANSACTION_MS = 7;
    public static final int ACTIVITY_GAUGES = 8;

    /** Table columns, {@link #TABLE_WIDTH} per table in {@link #tableValues}. */
    public static final int T_INS = 0;
    public static final int T_UPD = 1;
    public static final int T_DEL = 2;
    public static final int T_SEQ_SCAN = 3;
    public static final int T_IDX_SCAN = 4;
    public static final int T_IDX_BLKS_READ = 5;
    public static final int T_IDX_BLKS_HIT = 6;
    public static final int T_N_LIVE = 7;
    public static final int T_N_DEAD = 8;
    public static final int T_N_MOD_SINCE_ANALYZE = 9;
    public static final int T_LAST_VACUUM_MS = 10;
    public static final int T_LAST_ANALYZE_MS = 11;
    public static final int TABLE_WIDTH = 12;

    /** Size columns (tables and indexes alike), {@link #SIZE_WIDTH} per object. */
    public static final int S_BYTES = 0;
    public static final int S_BLOAT_BYTES = 1;
    public static final int S_BLOAT_PPM = 2;
    public static final int SIZE_WIDTH = 3;

    /** Index flag bits. */
    public static final int UNIQUE = 1;
    public static final int PRIMARY = 2;
    public static final int VALID = 4;

    // Header.
    public String sourceId;
    public long collectedAtMs;
    public long intervalMs;
    public Map<String, String> tags = Map.of();
    public boolean up;
    /** Why the collection failed, when {@link #up} is false. */
    public String error;

    public boolean hasServer;
    public long postmasterStartMs = NONE;
    public int maxConnections;
    public boolean inRecovery;
    public int versionNum;

    public boolean hasDatabase;
    public long dbStatsResetMs = NONE;
    public final long[] db = new long[DB_COUNTERS];
    public long numbackends;
    public long sizeBytes;
    public long xidAge;

    public boolean hasActivity;
    public final long[] activity = new long[ACTIVITY_GAUGES];

    {
        Arrays.fill(activity, NONE);
    }

    public boolean hasCheckpointer;
    public long checkpointsTimed;
    public long checkpointsRequested;
    public long checkpointerStatsResetMs = NONE;

    public boolean hasWal;
    public long walBytes;
    public long walStatsResetMs = NONE;

    public boolean hasArchiver;
    public long archivedCount;
    public long archiveFailedCount;
    public long archiverStatsResetMs = NONE;

    public boolean hasReplication;
    public boolean isStandby;
    public int replicas;
    /** Largest replay lag of any standby (or this standby's own), milliseconds; NONE when unknown. */
    public long replicationLagMs = NONE;
    public long replicationLagBytes = NONE;

    public boolean hasStatements;
    public int statementCount;
    public int statements;
    public long[] queryId = new long[0];
    public long[] userId = new long[0];
    public long[] calls = new long[0];
    /** Total execution time in microseconds. */
    public long[] execTimeUs = new long[0];

    /**
     * The bytes the names below point into (offset and length packed in one long, see
     * {@link #ref}): names are turned into strings only when someone asks for one.
     */
    public byte[] text = new byte[0];

    public boolean hasTables;
    public int tables;
    public long[] tableOid = new long[0];
    public long[] tableSchemaRef = new long[0];
    public long[] tableNameRef = new long[0];
    public long[] tableValues = new long[0];

    public boolean hasTableSizes;
    public int tableSizes;
    public long[] tableSizeOid = new long[0];
    public long[] tableSizeValues = new long[0];

    public boolean hasIndexes;
    public int indexes;
    public long[] indexOid = new long[0];
    public long[] indexTableOid = new long[0];
    public long[] indexSchemaRef = new long[0];
    public long[] indexTableRef = new long[0];
    public long[] indexNameRef = new long[0];
    public long[] indexScans = new long[0];
    public int[] indexFlags = new int[0];

    public boolean hasIndexSizes;
    public int indexSizes;
    public long[] indexSizeOid = new long[0];
    public long[] indexSizeValues = new long[0];

    public long table(int table, int column) {
        return tableValues[table * TABLE_WIDTH + column];
    }

    /** A name's place in {@link #text}. */
    public static long ref(int offset, int length) {
        return ((long) offset << 32) | (length & 0xFFFFFFFFL);
    }

    /** The text at {@code ref}. */
    public String string(long ref) {
        return new String(text, (int) (ref >>> 32), (int) ref, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A hash of the bytes at {@code ref}, without making a string of them. */
    public long hash(long ref) {
        int at = (int) (ref >>> 32);
        int to = at + (int) ref;
        long h = 1125899906842597L ^ (int) ref; // the length, not the offset: the same name hashes alike in every record
        for (; at + 8 <= to; at += 8) {
            h = (h ^ (long) LONGS.get(text, at)) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 32;
        }
        for (; at < to; at++) {
            h = 31 * h + text[at];
        }
        return h;
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    public String tableSchema(int i) {
        return string(tableSchemaRef[i]);
    }

    public String tableName(int i) {
        return string(tableNameRef[i]);
    }

    public String indexSchema(int i) {
        return string(indexSchemaRef[i]);
    }

    public String indexTable(int i) {
        return string(indexTableRef[i]);
    }

    public String indexName(int i) {
        return string(indexNameRef[i]);
    }

    /** Makes the arrays of every list section hold at least the given number of entries, keeping what they hold. */
    public void ensureCapacity(int statementRows, int tableRows, int tableSizeRows, int indexRows, int indexSizeRows) {
        if (queryId.length < statementRows) {
            int n = grow(queryId.length, statementRows);
            queryId = Arrays.copyOf(queryId, n);
            userId = Arrays.copyOf(userId, n);
            calls = Arrays.copyOf(calls, n);
            execTimeUs = Arrays.copyOf(execTimeUs, n);
        }
        if (tableOid.length < tableRows) {
            int n = grow(tableOid.length, tableRows);
            tableOid = Arrays.copyOf(tableOid, n);
            tableSchemaRef = Arrays.copyOf(tableSchemaRef, n);
            tableNameRef = Arrays.copyOf(tableNameRef, n);
            tableValues = Arrays.copyOf(tableValues, n * TABLE_WIDTH);
        }
        if (tableSizeOid.length < tableSizeRows) {
            int n = grow(tableSizeOid.length, tableSizeRows);
            tableSizeOid = Arrays.copyOf(tableSizeOid, n);
            tableSizeValues = Arrays.copyOf(tableSizeValues, n * SIZE_WIDTH);
        }
        if (indexOid.length < indexRows) {
            int n = grow(indexOid.length, indexRows);
            indexOid = Arrays.copyOf(indexOid, n);
            indexTableOid = Arrays.copyOf(indexTableOid, n);
            indexSchemaRef = Arrays.copyOf(indexSchemaRef, n);
            indexTableRef = Arrays.copyOf(indexTableRef, n);
            indexNameRef = Arrays.copyOf(indexNameRef, n);
            indexScans = Arrays.copyOf(indexScans, n);
            indexFlags = Arrays.copyOf(indexFlags, n);
        }
        if (indexSizeOid.length < indexSizeRows) {
            int n = grow(indexSizeOid.length, indexSizeRows);
            indexSizeOid = Arrays.copyOf(indexSizeOid, n);
            indexSizeValues = Arrays.copyOf(indexSizeValues, n * SIZE_WIDTH);
        }
    }

    private static int grow(int have, int need) {
        return Math.max(need, have + have / 2);
    }
}
