package io.pgpulse.collector.target;

import io.pgpulse.avro.CollectionError;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.metric.MetricGroup;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes snapshots of one target: every metric group, inside one read-only
 * REPEATABLE READ transaction so that all sections describe the same moment.
 * A failure never escapes: it becomes a snapshot with {@code up=false} and the
 * error's class, and the connection is re-opened next time.
 */
public final class SnapshotCollector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotCollector.class);

    /** Per-statement limit on the monitored database; a snapshot must never hold it up. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);

    private final TargetConfig target;
    private final MetricCatalog catalog;
    private final Clock clock;
    private Connection connection;
    private int majorVersion;

    public SnapshotCollector(TargetConfig target, MetricCatalog catalog, Clock clock) {
        this.target = target;
        this.catalog = catalog;
        this.clock = clock;
    }

    public TargetConfig target() {
        return target;
    }

    /** One snapshot; never throws for a database problem. */
    public synchronized PgSnapshot collect() {
        Instant collectedAt = clock.instant();
        long started = System.nanoTime();
        PgSnapshot.Builder snapshot = PgSnapshot.newBuilder()
                .setSourceId(target.sourceId().toString())
                .setCluster(target.cluster())
                .setDatabase(target.database())
                .setCollectedAt(collectedAt)
                .setIntervalMs(target.interval().toMillis())
                .setTags(target.tags())
                .setUp(true);
        try {
            Connection conn = connection();
            conn.setAutoCommit(false);
            conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            conn.setReadOnly(true);
            try {
                PgSnapshot partial = PgSnapshot.newBuilder(snapshot).build();
                List<String> collected = new ArrayList<>();
                for (MetricGroup group : catalog.groups()) {
                    group.sqlFor(majorVersion).ifPresent(sql -> {
                        runGroup(conn, group, sql, partial);
                        collected.add(group.name());
                    });
                }
                partial.setGroupsCollected(collected);
                conn.commit();
                snapshot = PgSnapshot.newBuilder(partial);
            } catch (GroupFailure failure) {
                conn.rollback();
                throw failure.cause;
            }
        } catch (SQLException e) {
            closeConnection();
            snapshot.setUp(false)
                    .setError(CollectionError.newBuilder()
                            .setSqlstate(e.getSQLState())
                            .setErrorClass(errorClass(e.getSQLState()))
                            .setMessage(String.valueOf(e.getMessage()))
                            .build())
                    .setServer(null).setDatabaseStats(null).setTables(null).setActivity(null);
        }
        return snapshot.setCollectionMs((System.nanoTime() - started) / 1_000_000).build();
    }

    private void runGroup(Connection conn, MetricGroup group, String sql, PgSnapshot into) {
        Schema recordSchema = MetricCatalog.sectionRecordSchema(group.section());
        int field = PgSnapshot.getClassSchema().getField(group.section()).pos();
        try (Statement st = conn.createStatement(); ResultSet rows = st.executeQuery(sql)) {
            if (group.shape() == MetricGroup.Shape.ONE_ROW) {
                into.put(field, rows.next() ? RowMapper.toRecord(rows, recordSchema) : null);
            } else {
                List<SpecificRecordBase> records = new ArrayList<>();
                while (rows.next()) {
                    records.add(RowMapper.toRecord(rows, recordSchema));
                }
                into.put(field, records);
            }
        } catch (SQLException e) {
            SQLException named = new SQLException(target.sourceId() + ": metric group " + group.name() + " failed: "
                    + e.getMessage(), e.getSQLState(), e);
            throw new GroupFailure(named);
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Properties props = new Properties();
            props.setProperty("user", target.user());
            if (target.password() != null) {
                props.setProperty("password", target.password());
            }
            props.setProperty("ApplicationName", "pgpulse-collector");
            props.setProperty("connectTimeout", "5");
            props.setProperty("socketTimeout", "30");
            props.setProperty("options", "-c statement_timeout=" + STATEMENT_TIMEOUT.toMillis()
                    + " -c lock_timeout=" + LOCK_TIMEOUT.toMillis());
            connection = DriverManager.getConnection(target.jdbcUrl(), props);
            majorVersion = connection.getMetaData().getDatabaseMajorVersion();
            log.debug("{}: connected to PostgreSQL {}", target.sourceId(), majorVersion);
        }
        return connection;
    }

    /** A short class for an SQLSTATE (see PostgreSQL's errcodes appendix). */
    static String errorClass(String sqlState) {
        if (sqlState == null) {
            return "other";
        }
        if (sqlState.startsWith("08")) {
            return "connection";
        }
        if (sqlState.startsWith("28")) {
            return "authentication";
        }
        if (sqlState.equals("57014") || sqlState.equals("55P03")) {
            return "timeout";
        }
        if (sqlState.startsWith("57P")) {
            return "connection";
        }
        if (sqlState.equals("42501")) {
            return "permission";
        }
        if (sqlState.startsWith("42") || sqlState.startsWith("22")) {
            return "query";
        }
        return "other";
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("{}: closing a broken connection failed: {}", target.sourceId(), e.getMessage());
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeConnection();
    }

    /** Carries a group's SQLException out of the lambda. */
    private static final class GroupFailure extends RuntimeException {
        final SQLException cause;

        GroupFailure(SQLException cause) {
            super(cause);
            this.cause = cause;
        }
    }
}
