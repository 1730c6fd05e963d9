package io.pgpulse.processor.metrics;

import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.processor.snapshot.SnapshotColumns;
import io.pgpulse.processor.state.ObjectCatalog;
import io.pgpulse.processor.state.ObjectRows;

/** The two ways a frame's rows get their names: from the snapshot at hand, or from the source's catalog. */
public final class FrameNames {

    private FrameNames() {
    }

    /** Names as in {@code c}; an object it does not list is named by OID. */
    public static MetricsFrame.Names of(SnapshotColumns c) {
        return new MetricsFrame.Names() {
            private ObjectRows tables;
            private ObjectRows indexes;

            @Override
            public ObjectRef table(long oid) {
                if (tables == null) {
                    tables = positions(c.tableOid, c.tables);
                }
                int row = tables.find(oid);
                return row < 0 ? unknown(ObjectKind.TABLE, oid)
                        : new ObjectRef(ObjectKind.TABLE, c.tableSchema((int) tables.get(row, 0)),
                        c.tableName((int) tables.get(row, 0)), oid);
            }

            @Override
            public ObjectRef index(long oid) {
                int i = indexPosition(oid);
                return i < 0 ? unknown(ObjectKind.INDEX, oid)
                        : new ObjectRef(ObjectKind.INDEX, c.indexSchema(i), c.indexName(i), oid);
            }

            @Override
            public ObjectRef indexTable(long indexOid, long tableOid) {
                int i = indexPosition(indexOid);
                return i < 0 ? table(tableOid) : new ObjectRef(ObjectKind.TABLE, c.indexSchema(i), c.indexTable(i), tableOid);
            }

            private int indexPosition(long oid) {
                if (indexes == null) {
                    indexes = positions(c.indexOid, c.indexes);
                }
                int row = indexes.find(oid);
                return row < 0 ? -1 : (int) indexes.get(row, 0);
            }
        };
    }

    /** Names from the source's catalog. */
    public static MetricsFrame.Names of(ObjectCatalog catalog) {
        return new MetricsFrame.Names() {
            @Override
            public ObjectRef table(long oid) {
                return catalog.tableRef(oid);
            }

            @Override
            public ObjectRef index(long oid) {
                return catalog.indexRef(oid);
            }

            @Override
            public ObjectRef indexTable(long indexOid, long tableOid) {
                ObjectCatalog.Entry index = catalog.index(indexOid);
                if (index != null && catalog.table(tableOid) == null) {
                    return new ObjectRef(ObjectKind.TABLE, index.schema(), index.table(), tableOid);
                }
                return catalog.tableRef(tableOid);
            }
        };
    }

    private static ObjectRows positions(long[] oids, int n) {
        ObjectRows rows = new ObjectRows(1, n);
        for (int i = 0; i < n; i++) {
            rows.set(rows.add(oids[i], 0), 0, i);
        }
        return rows.seal();
    }

    private static ObjectRef unknown(ObjectKind kind, long oid) {
        return new ObjectRef(kind, null, "oid " + oid, oid);
    }
}
