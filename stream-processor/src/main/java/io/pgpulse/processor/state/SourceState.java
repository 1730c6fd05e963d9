package io.pgpulse.processor.state;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.processor.snapshot.SnapshotColumns;
import java.util.Map;

/**
 * Everything the processor remembers of one source after its latest snapshot, kept in
 * the state stores and changelogged. Besides each counter as PostgreSQL last reported it
 * (the baseline the next snapshot is compared with), every counter has a <em>monotonic</em>
 * twin: the sum of all valid deltas since tracking began, which a reset, a restart or a
 * counter going backwards does not disturb (that step adds nothing). Each section also
 * sums the milliseconds its valid deltas covered. The metrics of any interval are then
 * differences of two states: (monotonic end - start) / (covered end - start), with gauges
 * taken from the end. That one rule serves a single snapshot step, a tumbling and a
 * hopping window alike, and lets a window be computed from the two states at its edges
 * (window checkpoints) instead of summing every snapshot into every window.
 *
 * <p>Stored as two blobs: {@linkplain #writeSource the source part} (header, database,
 * cluster, activity, statements: a few kilobytes) and {@linkplain #writeObjects the object
 * part} (tables and indexes), so that readers needing only the first do not decode the second.
 * Object names are not here but in the {@link ObjectCatalog}, which changes rarely.
 */
public final class SourceState {

    static final byte FORMAT_VERSION = 1;

    /** Slots of a table row. */
    public static final int T_RAW_MODS = 0;
    public static final int T_RAW_SEQ = 1;
    public static final int T_RAW_IDX = 2;
    public static final int T_RAW_IDX_BLKS_READ = 3;
    public static final int T_RAW_IDX_BLKS_HIT = 4;
    public static final int T_MONO_MODS = 5;
    public static final int T_MONO_SEQ = 6;
    public static final int T_MONO_IDX = 7;
    /** The section's covered time minus this row's: the row's own covered time is section cov - this. */
    public static final int T_COV_OFFSET = 8;
    public static final int T_N_LIVE = 9;
    public static final int T_N_DEAD = 10;
    public static final int T_N_MOD_SINCE_ANALYZE = 11;
    public static final int T_LAST_VACUUM_MS = 12;
    public static final int T_LAST_ANALYZE_MS = 13;
    public static final int T_TOTAL_BYTES = 14;
    public static final int T_BLOAT_BYTES = 15;
    public static final int T_BLOAT_PPM = 16;
    public static final int TABLE_WIDTH = 17;

    /** Slots of an index row. */
    public static final int I_RAW_SCAN = 0;
    public static final int I_MONO_SCAN = 1;
    public static final int I_COV_OFFSET = 2;
    /** When a scan of the index was last seen (or the index first seen), epoch ms. */
    public static final int I_LAST_SCAN_MS = 3;
    public static final int I_TABLE_OID = 4;
    public static final int I_FLAGS = 5;
    public static final int I_SIZE_BYTES = 6;
    public static final int I_BLOAT_BYTES = 7;
    public static final int I_BLOAT_PPM = 8;
    public static final int INDEX_WIDTH = 9;

    /** Slots of a statement row (id: {@link #statementId}). */
    public static final int S_QUERYID = 0;
    public static final int S_USERID = 1;
    public static final int S_RAW_CALLS = 2;
    public static final int S_RAW_TIME_US = 3;
    public static final int S_MONO_CALLS = 4;
    public static final int S_MONO_TIME_US = 5;
    public static final int S_COV_OFFSET = 6;
    public static final int STATEMENT_WIDTH = 7;

    /** Kept baseline events (why a counter restarted), newest last. */
    public static final int EVENTS = 4;

    /** When a section was last collected, how long its valid deltas covered, how many snapshots had it. */
    public static final class Section {
        public long at = NONE;
        public long cov;
        public long samples;

        public Section copy() {
            Section s = new Section();
            s.at = at;
            s.cov = cov;
            s.samples = samples;
            return s;
        }

        void write(StateWriter out, long reference) {
            out.writeRelative(at, reference);
            out.writeUnsigned(cov);
            out.writeUnsigned(samples);
        }

        static Section read(StateReader in, long reference) {
            Section s = new Section();
            s.at = in.readRelative(reference);
            s.cov = in.readUnsigned();
            s.samples = in.readUnsigned();
            return s;
        }
    }

    // Header.
    public String sourceId;
    public Map<String, String> tags = Map.of();
    public long intervalMs;
    /** collected_at of the latest snapshot, whatever it found. */
    public long lastSeenMs = NONE;
    public long seen;
    public boolean up;
    public String error;
    public long postmasterStartMs = NONE;
    public int maxConnections;
    public boolean inRecovery;
    public int versionNum;
    public int nextGen;
    /** Hashes of the table and index names last seen: when unchanged the {@link ObjectCatalog} is not rewritten. */
    public long tableNamesHash;
    public long indexNamesHash;
    public final long[] eventAt = new long[EVENTS];
    public final String[] eventReason = new String[EVENTS];

    public Section db = new Section();
    public Section tablesSection = new Section();
    public Section indexesSection = new Section();
    public Section statementsSection = new Section();
    public Section checkpointerSection = new Section();
    public Section walSection = new Section();
    public Section archiverSection = new Section();
    public Section activitySection = new Section();
    public Section replicationSection = new Section();

    public long dbStatsResetMs = NONE;
    public long[] dbRaw = new long[SnapshotColumns.DB_COUNTERS];
    public long[] dbMono = new long[SnapshotColumns.DB_COUNTERS];
    public long numbackends;
    public long sizeBytes;
    public long xidAge;
    public long idxBlksReadMono;
    public long idxBlksHitMono;

    public long[] activity = filled(SnapshotColumns.ACTIVITY_GAUGES);

    public long checkpointerStatsResetMs = NONE;
    public long checkpointsTimedRaw;
    public long checkpointsRequestedRaw;
    public long checkpointsTimedMono;
    public long checkpointsRequestedMono;

    public long walStatsResetMs = NONE;
    public long walBytesRaw;
    public long walBytesMono;

    public long archiverStatsResetMs = NONE;
    public long archivedRaw;
    public long archiveFailedRaw;
    public long archivedMono;
    public long archiveFailedMono;

    public boolean isStandby;
    public int replicas;
    public long replicationLagMs = NONE;
    public long replicationLagBytes = NONE;

    public int statementCount;
    public ObjectRows statements = ObjectRows.empty(STATEMENT_WIDTH);
    public ObjectRows tables = ObjectRows.empty(TABLE_WIDTH);
    public ObjectRows indexes = ObjectRows.empty(INDEX_WIDTH);

    public SourceState() {
        java.util.Arrays.fill(eventAt, NONE);
    }

    /** The state of a source never seen: all zero, nothing collected. */
    public static SourceState empty(String sourceId) {
        SourceState s = new SourceState();
        s.sourceId = sourceId;
        return s;
    }

    /** A statement's row id: pg_stat_statements tells statements apart by query and role. */
    public static long statementId(long queryId, long userId) {
        return queryId * 31 + userId;
    }

    /** Records why a counter restarted, keeping the newest {@value #EVENTS}. */
    public void addEvent(long at, String reason) {
        System.arraycopy(eventAt, 1, eventAt, 0, EVENTS - 1);
        System.arraycopy(eventReason, 1, eventReason, 0, EVENTS - 1);
        eventAt[EVENTS - 1] = at;
        eventReason[EVENTS - 1] = reason;
    }

    /** A copy of everything but the row sets, which are shared (they are never changed once built). */
    public SourceState copy() {
        SourceState s = new SourceState();
        s.sourceId = sourceId;
        s.tags = tags;
        s.intervalMs = intervalMs;
        s.lastSeenMs = lastSeenMs;
        s.seen = seen;
        s.up = up;
        s.error = error;
        s.postmasterStartMs = postmasterStartMs;
        s.maxConnections = maxConnections;
        s.inRecovery = inRecovery;
        s.versionNum = versionNum;
        s.nextGen = nextGen;
        s.tableNamesHash = tableNamesHash;
        s.indexNamesHash = indexNamesHash;
        System.arraycopy(eventAt, 0, s.eventAt, 0, EVENTS);
        System.arraycopy(eventReason, 0, s.eventReason, 0, EVENTS);
        s.db = db.copy();
        s.tablesSection = tablesSection.copy();
        s.indexesSection = indexesSection.copy();
        s.statementsSection = statementsSection.copy();
        s.checkpointerSection = checkpointerSection.copy();
        s.walSection = walSection.copy();
        s.archiverSection = archiverSection.copy();
        s.activitySection = activitySection.copy();
        s.replicationSection = replicationSection.copy();
        s.dbStatsResetMs = dbStatsResetMs;
        s.dbRaw = dbRaw.clone();
        s.dbMono = dbMono.clone();
        s.numbackends = numbackends;
        s.sizeBytes = sizeBytes;
        s.xidAge = xidAge;
        s.idxBlksReadMono = idxBlksReadMono;
        s.idxBlksHitMono = idxBlksHitMono;
        s.activity = activity.clone();
        s.checkpointerStatsResetMs = checkpointerStatsResetMs;
        s.checkpointsTimedRaw = checkpointsTimedRaw;
        s.checkpointsRequestedRaw = checkpointsRequestedRaw;
        s.checkpointsTimedMono = checkpointsTimedMono;
        s.checkpointsRequestedMono = checkpointsRequestedMono;
        s.walStatsResetMs = walStatsResetMs;
        s.walBytesRaw = walBytesRaw;
        s.walBytesMono = walBytesMono;
        s.archiverStatsResetMs = archiverStatsResetMs;
        s.archivedRaw = archivedRaw;
        s.archiveFailedRaw = archiveFailedRaw;
        s.archivedMono = archivedMono;
        s.archiveFailedMono = archiveFailedMono;
        s.isStandby = isStandby;
        s.replicas = replicas;
        s.replicationLagMs = replicationLagMs;
        s.replicationLagBytes = replicationLagBytes;
        s.statementCount = statementCount;
        s.statements = statements;
        s.tables = tables;
        s.indexes = indexes;
        return s;
    }

    // ---- encoding -------------------------------------------------------------------

    /** The source part: everything except the tables and indexes. */
    public byte[] writeSource() {
        StateWriter out = new StateWriter(1024 + statements.size() * 40, FORMAT_VERSION);
        out.writeString(sourceId);
        out.writeLong(lastSeenMs);
        long ref = lastSeenMs == NONE ? 0 : lastSeenMs;
        out.writeStringMap(tags);
        out.writeUnsigned(intervalMs);
        out.writeUnsigned(seen);
        out.writeBoolean(up);
        out.writeString(error);
        out.writeRelative(postmasterStartMs, ref);
        out.writeInt(maxConnections);
        out.writeBoolean(inRecovery);
        out.writeInt(versionNum);
        out.writeUnsigned(nextGen);
        out.writeLong(tableNamesHash);
        out.writeLong(indexNamesHash);
        for (int i = 0; i < EVENTS; i++) {
            out.writeRelative(eventAt[i], ref);
            out.writeString(eventReason[i]);
        }
        for (Section s : sections()) {
            s.write(out, ref);
        }
        out.writeRelative(dbStatsResetMs, ref);
        for (int i = 0; i < dbRaw.length; i++) {
            out.writeLong(dbRaw[i]);
            out.writeLong(dbMono[i]);
        }
        out.writeLong(numbackends);
        out.writeLong(sizeBytes);
        out.writeLong(xidAge);
        out.writeLong(idxBlksReadMono);
        out.writeLong(idxBlksHitMono);
        for (long g : activity) {
            out.writeLong(g);
        }
        out.writeRelative(checkpointerStatsResetMs, ref);
        out.writeLong(checkpointsTimedRaw);
        out.writeLong(checkpointsRequestedRaw);
        out.writeLong(checkpointsTimedMono);
        out.writeLong(checkpointsRequestedMono);
        out.writeRelative(walStatsResetMs, ref);
        out.writeLong(walBytesRaw);
        out.writeLong(walBytesMono);
        out.writeRelative(archiverStatsResetMs, ref);
        out.writeLong(archivedRaw);
        out.writeLong(archiveFailedRaw);
        out.writeLong(archivedMono);
        out.writeLong(archiveFailedMono);
        out.writeBoolean(isStandby);
        out.writeInt(replicas);
        out.writeLong(replicationLagMs);
        out.writeLong(replicationLagBytes);
        out.writeInt(statementCount);
        statements.write(out, null);
        return out.toByteArray();
    }

    /** The object part: tables and indexes. */
    public byte[] writeObjects() {
        StateWriter out = new StateWriter(64 + tables.size() * 70 + indexes.size() * 30, FORMAT_VERSION);
        tables.write(out, tableReferences(tablesSection.at));
        indexes.write(out, indexReferences(indexesSection.at));
        return out.toByteArray();
    }

    /** A state with the source part read and no tables or indexes (see {@link #readObjects}). */
    public static SourceState readSource(byte[] bytes) {
        StateReader in = new StateReader(bytes, "source state", FORMAT_VERSION);
        SourceState s = new SourceState();
        s.sourceId = in.readString();
        s.lastSeenMs = in.readLong();
        long ref = s.lastSeenMs == NONE ? 0 : s.lastSeenMs;
        s.tags = in.readStringMap();
        s.intervalMs = in.readUnsigned();
        s.seen = in.readUnsigned();
        s.up = in.readBoolean();
        s.error = in.readString();
        s.postmasterStartMs = in.readRelative(ref);
        s.maxConnections = in.readInt();
        s.inRecovery = in.readBoolean();
        s.versionNum = in.readInt();
        s.nextGen = (int) in.readUnsigned();
        s.tableNamesHash = in.readLong();
        s.indexNamesHash = in.readLong();
        for (int i = 0; i < EVENTS; i++) {
            s.eventAt[i] = in.readRelative(ref);
            s.eventReason[i] = in.readString();
        }
        s.db = Section.read(in, ref);
        s.tablesSection = Section.read(in, ref);
        s.indexesSection = Section.read(in, ref);
        s.statementsSection = Section.read(in, ref);
        s.checkpointerSection = Section.read(in, ref);
        s.walSection = Section.read(in, ref);
        s.archiverSection = Section.read(in, ref);
        s.activitySection = Section.read(in, ref);
        s.replicationSection = Section.read(in, ref);
        s.dbStatsResetMs = in.readRelative(ref);
        for (int i = 0; i < s.dbRaw.length; i++) {
            s.dbRaw[i] = in.readLong();
            s.dbMono[i] = in.readLong();
        }
        s.numbackends = in.readLong();
        s.sizeBytes = in.readLong();
        s.xidAge = in.readLong();
        s.idxBlksReadMono = in.readLong();
        s.idxBlksHitMono = in.readLong();
        for (int i = 0; i < s.activity.length; i++) {
            s.activity[i] = in.readLong();
        }
        s.checkpointerStatsResetMs = in.readRelative(ref);
        s.checkpointsTimedRaw = in.readLong();
        s.checkpointsRequestedRaw = in.readLong();
        s.checkpointsTimedMono = in.readLong();
        s.checkpointsRequestedMono = in.readLong();
        s.walStatsResetMs = in.readRelative(ref);
        s.walBytesRaw = in.readLong();
        s.walBytesMono = in.readLong();
        s.archiverStatsResetMs = in.readRelative(ref);
        s.archivedRaw = in.readLong();
        s.archiveFailedRaw = in.readLong();
        s.archivedMono = in.readLong();
        s.archiveFailedMono = in.readLong();
        s.isStandby = in.readBoolean();
        s.replicas = in.readInt();
        s.replicationLagMs = in.readLong();
        s.replicationLagBytes = in.readLong();
        s.statementCount = in.readInt();
        s.statements = ObjectRows.read(in, STATEMENT_WIDTH, null);
        in.expectEnd();
        return s;
    }

    /** What the fleet view needs of a stored source part: its header only, the rest is not decoded. */
    public record Header(String sourceId, long lastSeenMs, Map<String, String> tags, long intervalMs, long seen,
                         boolean up, String error) {
    }

    public static Header readHeader(byte[] bytes) {
        StateReader in = new StateReader(bytes, "source state", FORMAT_VERSION);
        String sourceId = in.readString();
        long lastSeenMs = in.readLong();
        Map<String, String> tags = in.readStringMap();
        long intervalMs = in.readUnsigned();
        long seen = in.readUnsigned();
        boolean up = in.readBoolean();
        return new Header(sourceId, lastSeenMs, tags, intervalMs, seen, up, in.readString());
    }

    /** Reads the object part into this state (whose source part must already be read). */
    public SourceState readObjects(byte[] bytes) {
        StateReader in = new StateReader(bytes, "object state of " + sourceId, FORMAT_VERSION);
        tables = ObjectRows.read(in, TABLE_WIDTH, tableReferences(tablesSection.at));
        indexes = ObjectRows.read(in, INDEX_WIDTH, indexReferences(indexesSection.at));
        in.expectEnd();
        return this;
    }

    private Section[] sections() {
        return new Section[]{db, tablesSection, indexesSection, statementsSection, checkpointerSection, walSection,
                archiverSection, activitySection, replicationSection};
    }

    private static long[] tableReferences(long at) {
        long[] refs = new long[TABLE_WIDTH];
        long ref = at == NONE ? 0 : at;
        refs[T_LAST_VACUUM_MS] = ref;
        refs[T_LAST_ANALYZE_MS] = ref;
        return refs;
    }

    private static long[] indexReferences(long at) {
        long[] refs = new long[INDEX_WIDTH];
        refs[I_LAST_SCAN_MS] = at == NONE ? 0 : at;
        return refs;
    }

    private static long[] filled(int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, NONE);
        return a;
    }
}
