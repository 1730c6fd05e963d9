package io.pgpulse.processor.snapshot;

import static io.pgpulse.processor.snapshot.SnapshotColumns.NONE;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.schemas.serde.RegistryException;
import io.pgpulse.schemas.serde.SchemaRegistry;
import io.pgpulse.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads {@code PgSnapshot} records in the Confluent wire format straight into
 * {@link SnapshotColumns}, without building the Avro objects: a snapshot of 200 tables,
 * 400 indexes and 50 statements is some 1,500 objects and 2,000 strings the processor
 * would only copy out and drop. For each writer schema (by registry id) a plan is made
 * once: the fields the processor uses are read into their columns, everything else
 * (query texts, counters it does not use, sections it ignores) is skipped over, and names
 * stay bytes in the record until someone asks for a string.
 *
 * <p>It refuses what {@code AvroDeserializer} would: an unknown schema id, a writer schema
 * Avro's resolution rules cannot read as the current {@code PgSnapshot}, a truncated
 * payload, bytes left over after the record. Type promotions Avro allows (int to long,
 * int or long or float to double) are honoured; a field the writer lacks keeps its
 * default.
 */
public final class SnapshotDecoder implements Deserializer<SnapshotColumns> {

    private static final Schema READER = PgSnapshot.getClassSchema();

    private final SchemaRegistry registry;
    private final Map<Integer, Plan> plans = new ConcurrentHashMap<>();

    public SnapshotDecoder(SchemaRegistry registry) {
        this.registry = registry;
    }

    @Override
    public SnapshotColumns deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id = WireFormat.schemaId(data);
        Plan plan = plans.computeIfAbsent(id, this::plan);
        if (plan.problem != null) {
            throw new SerializationException(plan.problem);
        }
        SnapshotColumns c = new SnapshotColumns();
        c.text = data;
        c.tags = new HashMap<>(8);
        Arrays.fill(c.activity, NONE);
        Ctx ctx = new Ctx(c);
        In in = new In(data, WireFormat.HEADER_BYTES);
        try {
            plan.root.read(in, ctx);
        } catch (RuntimeException e) {
            throw new SerializationException("cannot decode a snapshot with schema id " + id + " from topic " + topic + " ("
                    + data.length + " bytes): payload truncated or not written with that schema: " + e, e);
        }
        if (in.at != data.length) {
            throw new SerializationException("cannot decode a snapshot with schema id " + id + " from topic " + topic + " ("
                    + data.length + " bytes): bytes left over after the record; payload not written with that schema");
        }
        finish(ctx);
        return c;
    }

    /** What the sections imply once all of them were read. */
    private static void finish(Ctx ctx) {
        SnapshotColumns c = ctx.c;
        if (ctx.errorMessage != null) {
            c.error = ctx.errorClass + (ctx.sqlstate == null ? "" : " (SQLSTATE " + ctx.sqlstate + ")") + ": "
                    + ctx.errorMessage;
        }
        if (ctx.activitySeen && !ctx.locksSeen) {
            c.activity[SnapshotColumns.BLOCKED_BACKENDS] = c.activity[SnapshotColumns.WAITING_ON_LOCK];
        }
        c.hasActivity = ctx.activitySeen || ctx.locksSeen;
        if (c.hasReplication) {
            c.replicationLagMs = max(ctx.standbyLagMs, ctx.replicaLagMs);
        }
        if (!c.up) {
            // A database that is down has no statistics, whatever the sections say.
            c.hasServer = c.hasDatabase = c.hasActivity = c.hasCheckpointer = c.hasWal = c.hasArchiver = false;
            c.hasReplication = c.hasStatements = c.hasTables = c.hasTableSizes = c.hasIndexes = c.hasIndexSizes = false;
            c.statements = c.tables = c.tableSizes = c.indexes = c.indexSizes = c.replicas = 0;
        }
    }

    private static long max(long a, long b) {
        return a == NONE ? b : (b == NONE || a > b ? a : b);
    }

    // ---- the plan ------------------------------------------------------------------

    private record Plan(Reader root, String problem) {
    }

    private Plan plan(int id) {
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (RegistryException e) {
            return new Plan(null, "schema id " + id + " is unknown to the registry: " + e.getMessage());
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(READER, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return new Plan(null, "schema id " + id + " cannot be read as " + READER.getFullName() + ": "
                    + compatibility.getDescription());
        }
        try {
            return new Plan(snapshot().compile(writer), null);
        } catch (IllegalArgumentException e) {
            return new Plan(null, "schema id " + id + ": " + e.getMessage());
        }
    }

    /** What is read of a snapshot, field by field; every other field is skipped. */
    private static RecordTarget snapshot() {
        RecordTarget error = new RecordTarget()
                .field("sqlstate", new StringTarget((x, v) -> x.sqlstate = v))
                .field("error_class", new StringTarget((x, v) -> x.errorClass = v))
                .field("message", new StringTarget((x, v) -> x.errorMessage = v));
        RecordTarget server = new RecordTarget().before(x -> x.c.hasServer = true)
                .field("version_num", new LongTarget((x, v) -> x.c.versionNum = (int) v))
                .field("postmaster_start_time", new LongTarget((x, v) -> x.c.postmasterStartMs = v))
                .field("in_recovery", new BoolTarget((x, v) -> x.c.inRecovery = v))
                .field("max_connections", new LongTarget((x, v) -> x.c.maxConnections = (int) v));
        RecordTarget database = new RecordTarget().before(x -> x.c.hasDatabase = true)
                .field("numbackends", new LongTarget((x, v) -> x.c.numbackends = v))
                .field("xact_commit", db(SnapshotColumns.XACT_COMMIT))
                .field("xact_rollback", db(SnapshotColumns.XACT_ROLLBACK))
                .field("blks_read", db(SnapshotColumns.BLKS_READ))
                .field("blks_hit", db(SnapshotColumns.BLKS_HIT))
                .field("tup_returned", db(SnapshotColumns.TUP_RETURNED))
                .field("tup_fetched", db(SnapshotColumns.TUP_FETCHED))
                .field("tup_inserted", db(SnapshotColumns.TUP_INSERTED))
                .field("tup_updated", db(SnapshotColumns.TUP_UPDATED))
                .field("tup_deleted", db(SnapshotColumns.TUP_DELETED))
                .field("temp_files", db(SnapshotColumns.TEMP_FILES))
                .field("temp_bytes", db(SnapshotColumns.TEMP_BYTES))
                .field("deadlocks", db(SnapshotColumns.DEADLOCKS))
                .field("stats_reset", new LongTarget((x, v) -> x.c.dbStatsResetMs = v))
                .field("size_bytes", new LongTarget((x, v) -> x.c.sizeBytes = v))
                .field("xid_age", new LongTarget((x, v) -> x.c.xidAge = v));
        RecordTarget table = new RecordTarget()
                .before(x -> {
                    x.row = x.c.tables++;
                    int base = x.row * SnapshotColumns.TABLE_WIDTH;
                    Arrays.fill(x.c.tableValues, base, base + SnapshotColumns.TABLE_WIDTH, 0);
                    x.c.tableValues[base + SnapshotColumns.T_LAST_VACUUM_MS] = NONE;
                    x.c.tableValues[base + SnapshotColumns.T_LAST_ANALYZE_MS] = NONE;
                })
                .field("schema_name", new TextTarget((x, ref) -> x.c.tableSchemaRef[x.row] = ref))
                .field("name", new TextTarget((x, ref) -> x.c.tableNameRef[x.row] = ref))
                .field("oid", new LongTarget((x, v) -> x.c.tableOid[x.row] = v))
                .field("seq_scan", table(SnapshotColumns.T_SEQ_SCAN))
                .field("idx_scan", table(SnapshotColumns.T_IDX_SCAN))
                .field("n_tup_ins", table(SnapshotColumns.T_INS))
                .field("n_tup_upd", table(SnapshotColumns.T_UPD))
                .field("n_tup_del", table(SnapshotColumns.T_DEL))
                .field("n_live_tup", table(SnapshotColumns.T_N_LIVE))
                .field("n_dead_tup", table(SnapshotColumns.T_N_DEAD))
                .field("n_mod_since_analyze", table(SnapshotColumns.T_N_MOD_SINCE_ANALYZE))
                .field("last_vacuum", latest(SnapshotColumns.T_LAST_VACUUM_MS))
                .field("last_autovacuum", latest(SnapshotColumns.T_LAST_VACUUM_MS))
                .field("last_analyze", latest(SnapshotColumns.T_LAST_ANALYZE_MS))
                .field("last_autoanalyze", latest(SnapshotColumns.T_LAST_ANALYZE_MS))
                .field("idx_blks_read", table(SnapshotColumns.T_IDX_BLKS_READ))
                .field("idx_blks_hit", table(SnapshotColumns.T_IDX_BLKS_HIT));
        RecordTarget tableSize = new RecordTarget()
                .before(x -> {
                    x.row = x.c.tableSizes++;
                    int base = x.row * SnapshotColumns.SIZE_WIDTH;
                    Arrays.fill(x.c.tableSizeValues, base, base + SnapshotColumns.SIZE_WIDTH, NONE);
                })
                .field("oid", new LongTarget((x, v) -> x.c.tableSizeOid[x.row] = v))
                .field("total_bytes", tableSize(SnapshotColumns.S_BYTES))
                .field("estimated_bloat_bytes", tableSize(SnapshotColumns.S_BLOAT_BYTES))
                .field("estimated_bloat_ratio", new DoubleTarget((x, v) -> x.c.tableSizeValues[x.row * SnapshotColumns.SIZE_WIDTH
                        + SnapshotColumns.S_BLOAT_PPM] = ppm(v)));
        RecordTarget index = new RecordTarget()
                .before(x -> {
                    x.row = x.c.indexes++;
                    x.c.indexFlags[x.row] = SnapshotColumns.VALID; // is_valid defaults to true
                    x.c.indexScans[x.row] = 0;
                })
                .field("schema_name", new TextTarget((x, ref) -> x.c.indexSchemaRef[x.row] = ref))
                .field("table_name", new TextTarget((x, ref) -> x.c.indexTableRef[x.row] = ref))
                .field("table_oid", new LongTarget((x, v) -> x.c.indexTableOid[x.row] = v))
                .field("name", new TextTarget((x, ref) -> x.c.indexNameRef[x.row] = ref))
                .field("oid", new LongTarget((x, v) -> x.c.indexOid[x.row] = v))
                .field("idx_scan", new LongTarget((x, v) -> x.c.indexScans[x.row] = v))
                .field("is_unique", flag(SnapshotColumns.UNIQUE))
                .field("is_primary", flag(SnapshotColumns.PRIMARY))
                .field("is_valid", flag(SnapshotColumns.VALID));
        RecordTarget indexSize = new RecordTarget()
                .before(x -> {
                    x.row = x.c.indexSizes++;
                    int base = x.row * SnapshotColumns.SIZE_WIDTH;
                    Arrays.fill(x.c.indexSizeValues, base, base + SnapshotColumns.SIZE_WIDTH, NONE);
                })
                .field("oid", new LongTarget((x, v) -> x.c.indexSizeOid[x.row] = v))
                .field("size_bytes", indexSize(SnapshotColumns.S_BYTES))
                .field("estimated_bloat_bytes", indexSize(SnapshotColumns.S_BLOAT_BYTES))
                .field("estimated_bloat_ratio", new DoubleTarget((x, v) -> x.c.indexSizeValues[x.row * SnapshotColumns.SIZE_WIDTH
                        + SnapshotColumns.S_BLOAT_PPM] = ppm(v)));
        RecordTarget activity = new RecordTarget().before(x -> x.activitySeen = true)
                .field("total", activity(SnapshotColumns.CLIENT_BACKENDS))
                .field("active", activity(SnapshotColumns.ACTIVE))
                .field("idle_in_transaction", activity(SnapshotColumns.IDLE_IN_TRANSACTION))
                .field("waiting_on_lock", activity(SnapshotColumns.WAITING_ON_LOCK))
                .field("oldest_xact_age_s", ageMs(SnapshotColumns.OLDEST_XACT_AGE_MS))
                .field("oldest_query_age_s", ageMs(SnapshotColumns.OLDEST_QUERY_AGE_MS))
                .field("oldest_idle_in_transaction_s", ageMs(SnapshotColumns.OLDEST_IDLE_IN_TRANSACTION_MS));
        RecordTarget locks = new RecordTarget().before(x -> x.locksSeen = true)
                .field("blocked_backends", activity(SnapshotColumns.BLOCKED_BACKENDS));
        RecordTarget statement = new RecordTarget()
                .before(x -> x.row = x.c.statements++)
                .field("queryid", new LongTarget((x, v) -> x.c.queryId[x.row] = v))
                .field("userid", new LongTarget((x, v) -> x.c.userId[x.row] = v))
                .field("calls", new LongTarget((x, v) -> x.c.calls[x.row] = v))
                .field("total_exec_time_ms", new DoubleTarget((x, v) -> x.c.execTimeUs[x.row] = Math.round(v * 1000.0)));
        RecordTarget statements = new RecordTarget().before(x -> x.c.hasStatements = true)
                .field("statement_count", new LongTarget((x, v) -> x.c.statementCount = (int) v))
                .field("top", new ArrayTarget(statement, (x, more) -> x.c.ensureCapacity(x.c.statements + more, 0, 0, 0, 0),
                        x -> { }));
        RecordTarget checkpointer = new RecordTarget().before(x -> x.c.hasCheckpointer = true)
                .field("checkpoints_timed", new LongTarget((x, v) -> x.c.checkpointsTimed = v))
                .field("checkpoints_req", new LongTarget((x, v) -> x.c.checkpointsRequested = v))
                .field("stats_reset", new LongTarget((x, v) -> x.c.checkpointerStatsResetMs = v));
        RecordTarget wal = new RecordTarget().before(x -> x.c.hasWal = true)
                .field("wal_bytes", new LongTarget((x, v) -> x.c.walBytes = v))
                .field("stats_reset", new LongTarget((x, v) -> x.c.walStatsResetMs = v));
        RecordTarget archiver = new RecordTarget().before(x -> x.c.hasArchiver = true)
                .field("archived_count", new LongTarget((x, v) -> x.c.archivedCount = v))
                .field("failed_count", new LongTarget((x, v) -> x.c.archiveFailedCount = v))
                .field("stats_reset", new LongTarget((x, v) -> x.c.archiverStatsResetMs = v));
        RecordTarget replica = new RecordTarget().before(x -> x.c.replicas++)
                .field("replay_lag_s", new DoubleTarget((x, v) -> {
                    if (!Double.isNaN(v)) {
                        x.replicaLagMs = max(x.replicaLagMs, Math.round(v * 1000.0));
                    }
                }))
                .field("replay_lag_bytes", new LongTarget((x, v) -> {
                    if (v != NONE) {
                        x.c.replicationLagBytes = max(x.c.replicationLagBytes, v);
                    }
                }));
        RecordTarget replication = new RecordTarget().before(x -> x.c.hasReplication = true)
                .field("is_standby", new BoolTarget((x, v) -> x.c.isStandby = v))
                .field("standby_replay_lag_s", new DoubleTarget((x, v) -> x.standbyLagMs = Double.isNaN(v) ? NONE
                        : Math.round(v * 1000.0)))
                .field("replicas", new ArrayTarget(replica, (x, more) -> { }, x -> { }));
        return new RecordTarget()
                .field("source_id", new StringTarget((x, v) -> x.c.sourceId = v))
                .field("collected_at", new LongTarget((x, v) -> x.c.collectedAtMs = v))
                .field("interval_ms", new LongTarget((x, v) -> x.c.intervalMs = v))
                .field("tags", new MapTarget((x, k, v) -> x.c.tags.put(k, v)))
                .field("up", new BoolTarget((x, v) -> x.c.up = v))
                .field("error", error)
                .field("server", server)
                .field("database_stats", database)
                .field("tables", new ArrayTarget(table, (x, more) -> x.c.ensureCapacity(0, x.c.tables + more, 0, 0, 0),
                        x -> x.c.hasTables = true))
                .field("table_sizes", new ArrayTarget(tableSize,
                        (x, more) -> x.c.ensureCapacity(0, 0, x.c.tableSizes + more, 0, 0), x -> x.c.hasTableSizes = true))
                .field("indexes", new ArrayTarget(index, (x, more) -> x.c.ensureCapacity(0, 0, 0, x.c.indexes + more, 0),
                        x -> x.c.hasIndexes = true))
                .field("index_sizes", new ArrayTarget(indexSize,
                        (x, more) -> x.c.ensureCapacity(0, 0, 0, 0, x.c.indexSizes + more), x -> x.c.hasIndexSizes = true))
                .field("activity", activity)
                .field("locks", locks)
                .field("statements", statements)
                .field("checkpointer", checkpointer)
                .field("wal", wal)
                .field("archiver", archiver)
                .field("replication", replication);
    }

    private static LongTarget db(int column) {
        return new LongTarget((x, v) -> x.c.db[column] = v);
    }

    private static LongTarget table(int column) {
        return new LongTarget((x, v) -> x.c.tableValues[x.row * SnapshotColumns.TABLE_WIDTH + column] = v);
    }

    /** The later of the two timestamps that share a column (manual and automatic vacuum, or analyze). */
    private static LongTarget latest(int column) {
        return new LongTarget((x, v) -> {
            int at = x.row * SnapshotColumns.TABLE_WIDTH + column;
            x.c.tableValues[at] = max(x.c.tableValues[at], v);
        });
    }

    private static LongTarget tableSize(int column) {
        return new LongTarget((x, v) -> x.c.tableSizeValues[x.row * SnapshotColumns.SIZE_WIDTH + column] = v);
    }

    private static LongTarget indexSize(int column) {
        return new LongTarget((x, v) -> x.c.indexSizeValues[x.row * SnapshotColumns.SIZE_WIDTH + column] = v);
    }

    private static LongTarget activity(int column) {
        return new LongTarget((x, v) -> x.c.activity[column] = v);
    }

    private static DoubleTarget ageMs(int column) {
        return new DoubleTarget((x, v) -> x.c.activity[column] = Double.isNaN(v) ? NONE : Math.round(v * 1000.0));
    }

    private static BoolTarget flag(int bit) {
        return new BoolTarget((x, v) -> x.c.indexFlags[x.row] = v ? x.c.indexFlags[x.row] | bit : x.c.indexFlags[x.row] & ~bit);
    }

    private static long ppm(double ratio) {
        return Double.isNaN(ratio) ? NONE : Math.round(ratio * 1_000_000);
    }

    // ---- decoding machinery ------------------------------------------------------------

    /** The snapshot being filled, the row of the list item being read, and what sections leave for the end. */
    private static final class Ctx {
        final SnapshotColumns c;
        int row;
        String sqlstate;
        String errorClass;
        String errorMessage;
        boolean activitySeen;
        boolean locksSeen;
        long standbyLagMs = NONE;
        long replicaLagMs = NONE;

        Ctx(SnapshotColumns c) {
            this.c = c;
        }
    }

    /** The bytes of one record and where reading is. */
    private static final class In {
        final byte[] b;
        int at;

        In(byte[] b, int at) {
            this.b = b;
            this.at = at;
        }

        long readLong() {
            long value = 0;
            int shift = 0;
            while (true) {
                byte x = b[at++];
                value |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return (value >>> 1) ^ -(value & 1);
                }
                shift += 7;
                if (shift > 63) {
                    throw new IllegalStateException("malformed long at byte " + at);
                }
            }
        }

        double readDouble() {
            long bits = 0;
            for (int i = 0; i < 8; i++) {
                bits |= (b[at++] & 0xFFL) << (8 * i);
            }
            return Double.longBitsToDouble(bits);
        }

        float readFloat() {
            int bits = 0;
            for (int i = 0; i < 4; i++) {
                bits |= (b[at++] & 0xFF) << (8 * i);
            }
            return Float.intBitsToFloat(bits);
        }

        boolean readBoolean() {
            return b[at++] != 0;
        }

        /** The place of a string's bytes, which are skipped. */
        long readTextRef() {
            int length = length();
            long ref = SnapshotColumns.ref(at, length);
            at += length;
            return ref;
        }

        String readString() {
            int length = length();
            String s = new String(b, at, length, StandardCharsets.UTF_8);
            at += length;
            return s;
        }

        void skip(int bytes) {
            if (bytes < 0 || at + bytes > b.length) {
                throw new IllegalStateException("length " + bytes + " runs past the end at byte " + at);
            }
            at += bytes;
        }

        private int length() {
            long length = readLong();
            if (length < 0 || at + length > b.length) {
                throw new IllegalStateException("length " + length + " runs past the end at byte " + at);
            }
            return (int) length;
        }
    }

    @FunctionalInterface
    private interface Reader {
        void read(In in, Ctx ctx);
    }

    /** What a field of the reader schema becomes; compiled against the writer's schema of that field. */
    private interface Target {
        Reader compile(Schema writer);
    }

    private interface LongSink {
        void accept(Ctx ctx, long value);
    }

    private interface DoubleSink {
        void accept(Ctx ctx, double value);
    }

    private interface BoolSink {
        void accept(Ctx ctx, boolean value);
    }

    private interface StringSink {
        void accept(Ctx ctx, String value);
    }

    private interface EntrySink {
        void accept(Ctx ctx, String key, String value);
    }

    private interface CountSink {
        void accept(Ctx ctx, int more);
    }

    private interface CtxAction {
        void run(Ctx ctx);
    }

    /** A union: the null branch does {@code onNull}, the other branches what {@code branch} compiles them to. */
    private static Reader union(Schema writer, java.util.function.Function<Schema, Reader> branch, Reader onNull) {
        List<Schema> types = writer.getTypes();
        Reader[] branches = new Reader[types.size()];
        for (int i = 0; i < branches.length; i++) {
            branches[i] = types.get(i).getType() == Schema.Type.NULL ? onNull : branch.apply(types.get(i));
        }
        return (in, ctx) -> {
            long index = in.readLong();
            if (index < 0 || index >= branches.length) {
                throw new IllegalStateException("union branch " + index + " of " + branches.length);
            }
            branches[(int) index].read(in, ctx);
        };
    }

    private record LongTarget(LongSink sink) implements Target {
        @Override
        public Reader compile(Schema w) {
            return switch (w.getType()) {
                case INT, LONG -> (in, ctx) -> sink.accept(ctx, in.readLong());
                case UNION -> union(w, this::compile, (in, ctx) -> sink.accept(ctx, NONE));
                default -> throw new IllegalArgumentException("expected a long, found " + w.getType());
            };
        }
    }

    private record DoubleTarget(DoubleSink sink) implements Target {
        @Override
        public Reader compile(Schema w) {
            return switch (w.getType()) {
                case DOUBLE -> (in, ctx) -> sink.accept(ctx, in.readDouble());
                case FLOAT -> (in, ctx) -> sink.accept(ctx, in.readFloat());
                case INT, LONG -> (in, ctx) -> sink.accept(ctx, in.readLong());
                case UNION -> union(w, this::compile, (in, ctx) -> sink.accept(ctx, Double.NaN));
                default -> throw new IllegalArgumentException("expected a double, found " + w.getType());
            };
        }
    }

    private record BoolTarget(BoolSink sink) implements Target {
        @Override
        public Reader compile(Schema w) {
            return switch (w.getType()) {
                case BOOLEAN -> (in, ctx) -> sink.accept(ctx, in.readBoolean());
                case UNION -> union(w, this::compile, (in, ctx) -> { });
                default -> throw new IllegalArgumentException("expected a boolean, found " + w.getType());
            };
        }
    }

    private record StringTarget(StringSink sink) implements Target {
        @Override
        public Reader compile(Schema w) {
            return switch (w.getType()) {
                case STRING, BYTES -> (in, ctx) -> sink.accept(ctx, in.readString());
                case UNION -> union(w, this::compile, (in, ctx) -> sink.accept(ctx, null));
                default -> throw new IllegalArgumentException("expected a string, found " + w.getType());
            };
        }
    }

    private record TextTarget(LongSink sink) implements Target {
        @Override
        public Reader compile(Schema w) {
            return switch (w.getType()) {
                case STRING, BYTES -> (in, ctx) -> sink.accept(ctx, in.readTextRef());
                case UNION -> union(w, this::compile, (in, ctx) -> sink.accept(ctx, SnapshotColumns.ref(0, 0)));
                default -> throw new IllegalArgumentException("expected a string, found " + w.getType());
            };
        }
    }

    private record MapTarget(EntrySink sink) implements Target {
        @Override
        public Reader compile(Schema w) {
            if (w.getType() == Schema.Type.UNION) {
                return union(w, this::compile, (in, ctx) -> { });
            }
            if (w.getType() != Schema.Type.MAP) {
                throw new IllegalArgumentException("expected a map, found " + w.getType());
            }
            Reader value = new StringTarget((ctx, v) -> { }).compile(w.getValueType());
            boolean strings = w.getValueType().getType() == Schema.Type.STRING;
            return (in, ctx) -> {
                for (long count = blockCount(in); count != 0; count = blockCount(in)) {
                    for (long i = 0; i < count; i++) {
                        String key = in.readString();
                        if (strings) {
                            sink.accept(ctx, key, in.readString());
                        } else {
                            value.read(in, ctx);
                        }
                    }
                }
            };
        }
    }

    /** An array of records: {@code more} is told each block's size before its items, {@code present} once. */
    private record ArrayTarget(RecordTarget item, CountSink more, CtxAction present) implements Target {
        @Override
        public Reader compile(Schema w) {
            if (w.getType() == Schema.Type.UNION) {
                return union(w, this::compile, (in, ctx) -> { });
            }
            if (w.getType() != Schema.Type.ARRAY) {
                throw new IllegalArgumentException("expected an array, found " + w.getType());
            }
            Reader items = item.compile(w.getElementType());
            return (in, ctx) -> {
                present.run(ctx);
                for (long count = blockCount(in); count != 0; count = blockCount(in)) {
                    if (count > Integer.MAX_VALUE) {
                        throw new IllegalStateException("array block of " + count + " items");
                    }
                    more.accept(ctx, (int) count);
                    for (long i = 0; i < count; i++) {
                        items.read(in, ctx);
                    }
                }
            };
        }
    }

    /** A record: the named fields go to their targets, every other field of the writer is skipped. */
    private static final class RecordTarget implements Target {
        private final Map<String, Target> fields = new HashMap<>();
        private CtxAction before = ctx -> { };

        RecordTarget field(String name, Target target) {
            if (fields.put(name, target) != null) {
                throw new IllegalStateException("field " + name + " twice");
            }
            return this;
        }

        RecordTarget before(CtxAction action) {
            this.before = action;
            return this;
        }

        @Override
        public Reader compile(Schema w) {
            if (w.getType() == Schema.Type.UNION) {
                return union(w, this::compile, (in, ctx) -> { });
            }
            if (w.getType() != Schema.Type.RECORD) {
                throw new IllegalArgumentException("expected a record, found " + w.getType());
            }
            List<Schema.Field> writerFields = w.getFields();
            Reader[] readers = new Reader[writerFields.size()];
            for (int i = 0; i < readers.length; i++) {
                Schema.Field f = writerFields.get(i);
                Target target = fields.get(f.name());
                try {
                    readers[i] = target == null ? skipper(f.schema()) : target.compile(f.schema());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(w.getName() + "." + f.name() + ": " + e.getMessage(), e);
                }
            }
            CtxAction start = before;
            return (in, ctx) -> {
                start.run(ctx);
                for (Reader r : readers) {
                    r.read(in, ctx);
                }
            };
        }
    }

    private static long blockCount(In in) {
        long count = in.readLong();
        if (count < 0) {
            in.readLong(); // the block's size in bytes, for skipping; we read its items
            return -count;
        }
        return count;
    }

    /** Reads past a value of {@code schema} without keeping anything. */
    private static Reader skipper(Schema schema) {
        return switch (schema.getType()) {
            case NULL -> (in, ctx) -> { };
            case BOOLEAN -> (in, ctx) -> in.skip(1);
            case INT, LONG, ENUM -> (in, ctx) -> in.readLong();
            case FLOAT -> (in, ctx) -> in.skip(4);
            case DOUBLE -> (in, ctx) -> in.skip(8);
            case STRING, BYTES -> (in, ctx) -> in.readTextRef();
            case FIXED -> {
                int size = schema.getFixedSize();
                yield (in, ctx) -> in.skip(size);
            }
            case UNION -> union(schema, SnapshotDecoder::skipper, (in, ctx) -> { });
            case RECORD -> {
                // PgSnapshot has no recursive record types, so this ends.
                Reader[] fields = new Reader[schema.getFields().size()];
                for (int i = 0; i < fields.length; i++) {
                    fields[i] = skipper(schema.getFields().get(i).schema());
                }
                yield (in, ctx) -> {
                    for (Reader f : fields) {
                        f.read(in, ctx);
                    }
                };
            }
            case ARRAY -> {
                Reader item = skipper(schema.getElementType());
                yield (in, ctx) -> skipBlocks(in, ctx, item, null);
            }
            case MAP -> {
                Reader value = skipper(schema.getValueType());
                yield (in, ctx) -> skipBlocks(in, ctx, value, (i, c) -> i.readTextRef());
            }
        };
    }

    private static void skipBlocks(In in, Ctx ctx, Reader item, Reader key) {
        for (long count = in.readLong(); count != 0; count = in.readLong()) {
            if (count < 0) {
                long bytes = in.readLong();
                in.skip((int) bytes); // a block with its size: skip it whole
                continue;
            }
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    key.read(in, ctx);
                }
                item.read(in, ctx);
            }
        }
    }
}
