package io.pgpulse.processor.state;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.processor.snapshot.SnapshotColumns;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The names of a source's tables and indexes by OID. Names change far less often than
 * counters, so they live apart from the {@link SourceState} and this is rewritten only
 * when a snapshot's names differ from the last ones (compared by hash, see
 * {@link #tableNamesHash}). An object that disappeared stays named for {@code retention}
 * so that a window closing after a table was dropped can still name it.
 */
public final class ObjectCatalog {

    static final byte FORMAT_VERSION = 1;

    /** One named object. */
    public record Entry(long oid, String schema, String table, String name, long removedAtMs) {
    }

    private final Map<Long, Entry> tables;
    private final Map<Long, Entry> indexes;

    private ObjectCatalog(Map<Long, Entry> tables, Map<Long, Entry> indexes) {
        this.tables = tables;
        this.indexes = indexes;
    }

    public static ObjectCatalog empty() {
        return new ObjectCatalog(new HashMap<>(), new HashMap<>());
    }

    public Entry table(long oid) {
        return tables.get(oid);
    }

    public Entry index(long oid) {
        return indexes.get(oid);
    }

    /** The table with OID {@code oid} as an {@link ObjectRef}, or one naming only the OID when unknown. */
    public ObjectRef tableRef(long oid) {
        Entry e = tables.get(oid);
        return new ObjectRef(ObjectKind.TABLE, e == null ? null : e.schema(), e == null ? "oid " + oid : e.name(), oid);
    }

    public ObjectRef indexRef(long oid) {
        Entry e = indexes.get(oid);
        return new ObjectRef(ObjectKind.INDEX, e == null ? null : e.schema(), e == null ? "oid " + oid : e.name(), oid);
    }

    /** A hash of the table names of {@code c} (only meaningful when it has tables). */
    public static long tableNamesHash(SnapshotColumns c) {
        long h = 1;
        for (int i = 0; i < c.tables; i++) {
            h = mix(h, c.tableOid[i]);
            h = mix(h, c.hash(c.tableSchemaRef[i]));
            h = mix(h, c.hash(c.tableNameRef[i]));
        }
        return h;
    }

    public static long indexNamesHash(SnapshotColumns c) {
        long h = 2;
        for (int i = 0; i < c.indexes; i++) {
            h = mix(h, c.indexOid[i]);
            h = mix(h, c.hash(c.indexSchemaRef[i]));
            h = mix(h, c.hash(c.indexTableRef[i]));
            h = mix(h, c.hash(c.indexNameRef[i]));
        }
        return h;
    }

    private static long mix(long h, long v) {
        long x = (h ^ v) * 0x9E3779B97F4A7C15L;
        return x ^ (x >>> 29);
    }

    /**
     * This catalog with the names of {@code c}'s present sections: objects of a present
     * section that are not in the snapshot are marked removed at its time; removed ones
     * older than {@code retentionMs} are forgotten.
     */
    public ObjectCatalog update(SnapshotColumns c, long retentionMs) {
        long now = c.collectedAtMs;
        Map<Long, Entry> t = tables;
        Map<Long, Entry> x = indexes;
        if (c.hasTables) {
            t = new HashMap<>(Math.max(16, c.tables * 2));
            for (int i = 0; i < c.tables; i++) {
                t.put(c.tableOid[i], new Entry(c.tableOid[i], c.tableSchema(i), null, c.tableName(i), NONE));
            }
            keepRemoved(tables, t, now, retentionMs);
        }
        if (c.hasIndexes) {
            x = new HashMap<>(Math.max(16, c.indexes * 2));
            for (int i = 0; i < c.indexes; i++) {
                x.put(c.indexOid[i], new Entry(c.indexOid[i], c.indexSchema(i), c.indexTable(i), c.indexName(i), NONE));
            }
            keepRemoved(indexes, x, now, retentionMs);
        }
        return new ObjectCatalog(t, x);
    }

    private static void keepRemoved(Map<Long, Entry> before, Map<Long, Entry> after, long now, long retentionMs) {
        for (Entry e : before.values()) {
            if (after.containsKey(e.oid())) {
                continue;
            }
            long removedAt = e.removedAtMs() == NONE ? now : e.removedAtMs();
            if (now - removedAt <= retentionMs) {
                after.put(e.oid(), new Entry(e.oid(), e.schema(), e.table(), e.name(), removedAt));
            }
        }
    }

    public byte[] write() {
        StateWriter out = new StateWriter(64 + (tables.size() + indexes.size()) * 24, FORMAT_VERSION);
        write(out, tables);
        write(out, indexes);
        return out.toByteArray();
    }

    private static void write(StateWriter out, Map<Long, Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort((a, b) -> Long.compare(a.oid(), b.oid()));
        out.writeUnsigned(sorted.size());
        long previous = 0;
        for (Entry e : sorted) {
            out.writeLong(e.oid() - previous);
            previous = e.oid();
            out.writeString(e.schema());
            out.writeString(e.table());
            out.writeString(e.name());
            out.writeLong(e.removedAtMs());
        }
    }

    public static ObjectCatalog read(byte[] bytes) {
        StateReader in = new StateReader(bytes, "object catalog", FORMAT_VERSION);
        Map<Long, Entry> t = read(in);
        Map<Long, Entry> x = read(in);
        in.expectEnd();
        return new ObjectCatalog(t, x);
    }

    private static Map<Long, Entry> read(StateReader in) {
        int n = (int) in.readUnsigned();
        Map<Long, Entry> entries = new HashMap<>(Math.max(16, n * 2));
        long oid = 0;
        for (int i = 0; i < n; i++) {
            oid += in.readLong();
            entries.put(oid, new Entry(oid, in.readString(), in.readString(), in.readString(), in.readLong()));
        }
        return entries;
    }
}
