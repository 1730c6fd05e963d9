package io.pgpulse.collector.command;

import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import java.sql.SQLException;
import org.postgresql.core.Utils;

/**
 * The SQL for each allowed action. The object's name never reaches SQL as typed:
 * schema and name are each quoted by pgjdbc's {@link Utils#escapeIdentifier}, which
 * doubles embedded quotes, so any name is one identifier and nothing else.
 * Only online forms exist here: no VACUUM FULL, no plain REINDEX.
 */
final class MaintenanceStatement {

    private MaintenanceStatement() {
    }

    static String sqlFor(MaintenanceAction action, ObjectRef target) throws SQLException {
        String qualified = quoted(target);
        return switch (action) {
            case VACUUM_ANALYZE -> "VACUUM (ANALYZE) " + qualified;
            case ANALYZE -> "ANALYZE " + qualified;
            case REINDEX_INDEX_CONCURRENTLY -> "REINDEX INDEX CONCURRENTLY " + qualified;
            case RETENTION_DELETE -> throw new IllegalArgumentException("RETENTION_DELETE runs in batches: see RetentionDelete");
        };
    }

    /** The object kind an action applies to. */
    static ObjectKind kindFor(MaintenanceAction action) {
        return action == MaintenanceAction.REINDEX_INDEX_CONCURRENTLY ? ObjectKind.INDEX : ObjectKind.TABLE;
    }

    static String quoted(ObjectRef target) throws SQLException {
        if (target.getSchemaName() == null) {
            throw new SQLException("target " + target.getName() + " names no schema");
        }
        StringBuilder sql = new StringBuilder();
        Utils.escapeIdentifier(sql, target.getSchemaName());
        sql.append('.');
        Utils.escapeIdentifier(sql, target.getName());
        return sql.toString();
    }
}
