package io.pgpulse.processor.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.schemas.sample.SampleRecords;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.schemas.serde.AvroSerializer;
import io.pgpulse.schemas.serde.InMemorySchemaRegistry;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The fast decoder must read exactly what the Avro deserializer reads: every column of
 * many varied snapshots (sections present or absent, databases up or down) is compared
 * with the columns copied from the Avro objects, also for a writer schema that has a field
 * more and a field less than ours.
 */
class SnapshotDecoderTest {

    private static final String TOPIC = "pgpulse.snapshots.v1";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroSerdes serdes = new AvroSerdes(registry, true);
    private final SnapshotDecoder decoder = new SnapshotDecoder(registry);

    private static PgSnapshot varied(long seed) {
        PgSnapshot s = SampleRecords.of(PgSnapshot.class, seed,
                Map.of("tables", 5, "indexes", 7, "table_sizes", 3, "index_sizes", 4, "top", 6, "replicas", 3));
        Random random = new Random(seed);
        s.setUp(random.nextInt(10) != 0);
        if (random.nextBoolean()) {
            s.setTables(null);
        }
        if (random.nextBoolean()) {
            s.setIndexSizes(null);
        }
        if (random.nextBoolean()) {
            s.setLocks(null);
        }
        if (random.nextBoolean()) {
            s.setActivity(null);
        }
        if (random.nextBoolean()) {
            s.setStatements(null);
        }
        if (random.nextBoolean()) {
            s.setReplication(null);
        }
        if (random.nextBoolean()) {
            s.setServer(null);
        }
        if (random.nextBoolean() && s.getError() != null) {
            s.getError().setSqlstate(null);
        }
        return s;
    }

    @Test
    void readsEveryColumnAsTheAvroDeserializerDoes() {
        AvroSerializer<PgSnapshot> serializer = serdes.serializer(PgSnapshot.class);
        for (long seed = 1; seed <= 200; seed++) {
            PgSnapshot s = varied(seed);
            byte[] bytes = serializer.serialize(TOPIC, s);
            SnapshotColumns expected = SnapshotColumnsReader.read(serdes.deserializer(PgSnapshot.class).deserialize(TOPIC, bytes));
            assertThat(render(decoder.deserialize(TOPIC, bytes))).as("seed " + seed).isEqualTo(render(expected));
        }
    }

    @Test
    void readsAWriterSchemaWithAFieldMoreAndAFieldLess() throws Exception {
        String json = PgSnapshot.getClassSchema().toString()
                .replace("{\"name\":\"idx_blks_hit\",\"type\":\"long\",\"doc\":\"Index blocks of this table found in shared buffers (counter).\"}",
                        "{\"name\":\"idx_blks_hit\",\"type\":\"long\",\"doc\":\"Index blocks of this table found in shared buffers (counter).\"},"
                                + "{\"name\":\"n_ins_since_vacuum\",\"type\":\"long\",\"default\":0}")
                .replace(",{\"name\":\"is_valid\",\"type\":\"boolean\",\"doc\":\"False for an index left invalid by a failed CREATE/REINDEX CONCURRENTLY.\",\"default\":true}", "");
        Schema writer = new Schema.Parser().parse(json);
        assertThat(writer.toString()).contains("n_ins_since_vacuum").doesNotContain("\"is_valid\"");
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(writer, registry, false, true);
        for (long seed = 1; seed <= 20; seed++) {
            GenericRecord record = SampleRecords.generic(writer, seed);
            record.put("up", true);
            byte[] bytes = serializer.serialize(TOPIC, record);
            SnapshotColumns expected = SnapshotColumnsReader.read(serdes.deserializer(PgSnapshot.class).deserialize(TOPIC, bytes));
            SnapshotColumns fast = decoder.deserialize(TOPIC, bytes);
            assertThat(render(fast)).as("seed " + seed).isEqualTo(render(expected));
            assertThat(fast.indexes).isPositive();
            assertThat(fast.indexFlags[0] & SnapshotColumns.VALID).as("is_valid takes its default").isNotZero();
        }
    }

    @Test
    void namesHashTheSameWhereverTheyAreInTheRecord() {
        PgSnapshot s = varied(11);
        s.setUp(true);
        s.setTables(SampleRecords.of(PgSnapshot.class, 11, Map.of("tables", 5)).getTables());
        byte[] first = serdes.serializer(PgSnapshot.class).serialize(TOPIC, s);
        s.setSourceId(s.getSourceId() + "-with-a-longer-id"); // shifts every later byte of the record
        byte[] second = serdes.serializer(PgSnapshot.class).serialize(TOPIC, s);
        assertThat(io.pgpulse.processor.state.ObjectCatalog.tableNamesHash(decoder.deserialize(TOPIC, second)))
                .isEqualTo(io.pgpulse.processor.state.ObjectCatalog.tableNamesHash(decoder.deserialize(TOPIC, first)));
    }

    @Test
    void refusesWhatIsNotAWholeSnapshot() {
        byte[] good = serdes.serializer(PgSnapshot.class).serialize(TOPIC, varied(3));
        assertThatThrownBy(() -> decoder.deserialize(TOPIC, Arrays.copyOf(good, good.length - 7)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> decoder.deserialize(TOPIC, Arrays.copyOf(good, good.length + 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("bytes left over");
        assertThatThrownBy(() -> decoder.deserialize(TOPIC, "{\"not\": \"avro\"}".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");
        byte[] other = serdes.serializer(io.pgpulse.avro.ObjectRef.class).serialize("other", new io.pgpulse.avro.ObjectRef(
                io.pgpulse.avro.ObjectKind.TABLE, "public", "t", 1L));
        assertThatThrownBy(() -> decoder.deserialize(TOPIC, other))
                .isInstanceOf(SerializationException.class).hasMessageContaining("cannot be read as io.pgpulse.avro.PgSnapshot");
    }

    /** Every column of every section present, as text: two snapshots read the same iff these are equal. */
    static String render(SnapshotColumns c) {
        StringBuilder b = new StringBuilder();
        b.append(c.sourceId).append(' ').append(c.collectedAtMs).append(' ').append(c.intervalMs).append(' ')
                .append(new TreeMap<>(c.tags)).append(" up=").append(c.up).append(" error=").append(c.error).append('\n');
        if (!c.up) {
            return b.append(c.hasServer || c.hasDatabase || c.hasTables || c.hasIndexes || c.hasStatements || c.hasActivity
                    ? "sections of a database that is down" : "").toString();
        }
        b.setLength(0);
        b.append(c.sourceId).append(' ').append(c.collectedAtMs).append(' ').append(c.intervalMs).append(' ')
                .append(new TreeMap<>(c.tags)).append(" up=").append(c.up).append(" error=").append(c.error).append('\n');
        b.append("server ").append(c.hasServer).append(' ').append(c.postmasterStartMs).append(' ').append(c.maxConnections)
                .append(' ').append(c.inRecovery).append(' ').append(c.versionNum).append('\n');
        b.append("db ").append(c.hasDatabase).append(' ').append(c.dbStatsResetMs).append(' ').append(Arrays.toString(c.db))
                .append(' ').append(c.numbackends).append(' ').append(c.sizeBytes).append(' ').append(c.xidAge).append('\n');
        b.append("activity ").append(c.hasActivity).append(' ').append(Arrays.toString(c.activity)).append('\n');
        b.append("checkpointer ").append(c.hasCheckpointer).append(' ').append(c.checkpointsTimed).append(' ')
                .append(c.checkpointsRequested).append(' ').append(c.checkpointerStatsResetMs).append('\n');
        b.append("wal ").append(c.hasWal).append(' ').append(c.walBytes).append(' ').append(c.walStatsResetMs).append('\n');
        b.append("archiver ").append(c.hasArchiver).append(' ').append(c.archivedCount).append(' ')
                .append(c.archiveFailedCount).append(' ').append(c.archiverStatsResetMs).append('\n');
        b.append("replication ").append(c.hasReplication).append(' ').append(c.isStandby).append(' ').append(c.replicas)
                .append(' ').append(c.replicationLagMs).append(' ').append(c.replicationLagBytes).append('\n');
        b.append("statements ").append(c.hasStatements).append(' ').append(c.statementCount).append(' ').append(c.statements);
        for (int i = 0; i < c.statements; i++) {
            b.append(" [").append(c.queryId[i]).append(',').append(c.userId[i]).append(',').append(c.calls[i]).append(',')
                    .append(c.execTimeUs[i]).append(']');
        }
        b.append("\ntables ").append(c.hasTables).append(' ').append(c.tables);
        for (int i = 0; i < c.tables; i++) {
            b.append(" [").append(c.tableOid[i]).append(' ').append(c.tableSchema(i)).append('.').append(c.tableName(i))
                    .append(' ').append(Arrays.toString(Arrays.copyOfRange(c.tableValues, i * SnapshotColumns.TABLE_WIDTH,
                            (i + 1) * SnapshotColumns.TABLE_WIDTH))).append(']');
        }
        b.append("\ntable sizes ").append(c.hasTableSizes).append(' ').append(c.tableSizes);
        for (int i = 0; i < c.tableSizes; i++) {
            b.append(" [").append(c.tableSizeOid[i]).append(' ').append(Arrays.toString(Arrays.copyOfRange(c.tableSizeValues,
                    i * SnapshotColumns.SIZE_WIDTH, (i + 1) * SnapshotColumns.SIZE_WIDTH))).append(']');
        }
        b.append("\nindexes ").append(c.hasIndexes).append(' ').append(c.indexes);
        for (int i = 0; i < c.indexes; i++) {
            b.append(" [").append(c.indexOid[i]).append(' ').append(c.indexTableOid[i]).append(' ').append(c.indexSchema(i))
                    .append('.').append(c.indexTable(i)).append('.').append(c.indexName(i)).append(' ').append(c.indexScans[i])
                    .append(' ').append(c.indexFlags[i]).append(']');
        }
        b.append("\nindex sizes ").append(c.hasIndexSizes).append(' ').append(c.indexSizes);
        for (int i = 0; i < c.indexSizes; i++) {
            b.append(" [").append(c.indexSizeOid[i]).append(' ').append(Arrays.toString(Arrays.copyOfRange(c.indexSizeValues,
                    i * SnapshotColumns.SIZE_WIDTH, (i + 1) * SnapshotColumns.SIZE_WIDTH))).append(']');
        }
        return b.toString();
    }
}
