package io.pgpulse.sink.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The PostgreSQL history of a pgpulse installation: every alert event, and every
 * maintenance command and result, in the {@code pgpulse} schema of a database you
 * name ({@code schema.sql} beside this class, created if missing). Rows are keyed so
 * that recording the same event twice is a no-op, which makes at-least-once delivery
 * from Kafka exactly-once here. Queryable by source and time; rows older than the
 * retention are deleted by {@link #purge}.
 *
 * <p>One connection, used by one thread at a time (the recorder's); reopened after it broke.
 */
public final class HistoryStore implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HistoryStore.class);

    private final String jdbcUrl;
    private final Properties credentials;
    private final Duration retention;
    private Connection connection;
    private boolean closed;

    /**
     * @param retention how long rows are kept; positive
     */
    public HistoryStore(String jdbcUrl, String user, String password, Duration retention) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("history url must start with jdbc:postgresql:, found: " + jdbcUrl);
        }
        if (retention == null || retention.isZero() || retention.isNegative()) {
            throw new IllegalArgumentException("history retention must be positive, found: " + retention);
        }
        this.retention = retention;
        this.credentials = new Properties();
        if (user != null) {
            credentials.setProperty("user", user);
        }
        if (password != null) {
            credentials.setProperty("password", password);
        }
        credentials.setProperty("ApplicationName", "pgpulse-alert-sink-history");
    }

    public Duration retention() {
        return retention;
    }

    /** Creates the schema and tables that are missing. */
    public synchronized void ensureSchema() throws SQLException {
        Connection conn = connection();
        try (Statement statement = conn.createStatement()) {
            statement.execute(HistorySql.SCHEMA);
            conn.commit();
        } catch (SQLException e) {
            rollback(conn);
            throw e;
        }
    }

    /** Records alert events in one transaction; events already recorded are skipped. */
    public synchronized void recordAlerts(List<Alert> alerts) throws SQLException {
        Connection conn = connection();
        try (PreparedStatement ps = conn.prepareStatement(HistorySql.INSERT_ALERT_EVENT)) {
            for (Alert alert : alerts) {
                int i = 1;
                ps.setString(i++, alert.getFingerprint());
                ps.setString(i++, alert.getStatus().name());
                ps.setTimestamp(i++, Timestamp.from(alert.getEventAt()));
                ps.setString(i++, alert.getRule());
                ps.setString(i++, alert.getSeverity().name());
                ps.setString(i++, alert.getSourceId());
                var object = alert.getObject();
                ps.setString(i++, object == null ? null : object.getKind().name());
                ps.setString(i++, object == null ? null : object.getSchemaName());
                ps.setString(i++, object == null ? null : object.getName());
                if (object == null) {
                    ps.setNull(i++, Types.BIGINT);
                } else {
                    ps.setLong(i++, object.getOid());
                }
                if (alert.getValue() == null) {
                    ps.setNull(i++, Types.DOUBLE);
                } else {
                    ps.setDouble(i++, alert.getValue());
                }
                ps.setDouble(i++, alert.getThreshold());
                ps.setTimestamp(i++, Timestamp.from(alert.getStartsAt()));
                ps.setTimestamp(i++, alert.getEndsAt() == null ? null : Timestamp.from(alert.getEndsAt()));
                ps.setString(i++, alert.getSummary());
                ps.setString(i++, alert.getRunbook());
                ps.setString(i++, json(alert.getLabels()));
                ps.setString(i++, json(alert.getAnnotations()));
                ps.setString(i, alert.getEscalation());
                ps.addBatch();
            }
            ps.executeBatch();
            conn.commit();
        } catch (SQLException e) {
            rollback(conn);
            throw e;
        }
    }

    /** Records a maintenance command (for the remediation side); a command already recorded is skipped. */
    public synchronized void recordCommand(MaintenanceCommand command) throws SQLException {
        Connection conn = connection();
        try (PreparedStatement ps = conn.prepareStatement(HistorySql.INSERT_COMMAND)) {
            int i = 1;
            ps.setString(i++, command.getCommandId());
            ps.setString(i++, command.getSourceId());
            ps.setString(i++, command.getAction().name());
            ps.setString(i++, command.getTarget().getKind().name());
            ps.setString(i++, command.getTarget().getSchemaName());
            ps.setString(i++, command.getTarget().getName());
            ps.setLong(i++, command.getTarget().getOid());
            ps.setString(i++, command.getReason());
            ps.setString(i++, command.getAlertFingerprint());
            ps.setTimestamp(i++, Timestamp.from(command.getIssuedAt()));
            ps.setTimestamp(i++, Timestamp.from(command.getExpiresAt()));
            ps.setBoolean(i++, command.getDryRun());
            ps.setString(i, command.getKeyId());
            ps.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            rollback(conn);
            throw e;
        }
    }

    /** Records what became of a command; the same outcome reported twice is skipped. */
    public synchronized void recordResult(CommandResult result) throws SQLException {
        Connection conn = connection();
        try (PreparedStatement ps = conn.prepareStatement(HistorySql.INSERT_COMMAND_RESULT)) {
            int i = 1;
            ps.setString(i++, result.getCommandId());
            ps.setString(i++, result.getOutcome().name());
            ps.setTimestamp(i++, Timestamp.from(result.getFinishedAt()));
            ps.setString(i++, result.getSourceId());
            ps.setString(i++, result.getAction().name());
            ps.setString(i++, result.getTarget().getSchemaName());
            ps.setString(i++, result.getTarget().getName());
            ps.setLong(i++, result.getTarget().getOid());
            ps.setString(i++, result.getReason());
            ps.setTimestamp(i++, Timestamp.from(result.getStartedAt()));
            ps.setString(i++, result.getStatement());
            ps.setString(i++, state(result.getBefore()));
            ps.setString(i, state(result.getAfter()));
            ps.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            rollback(conn);
            throw e;
        }
    }

    /** The alert events of one source with {@code from <= event_at < to}, oldest first. */
    public synchronized List<RecordedAlertEvent> alertEvents(String sourceId, Instant from, Instant to) throws SQLException {
        Connection conn = connection();
        List<RecordedAlertEvent> events = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(HistorySql.ALERT_EVENTS)) {
            ps.setString(1, sourceId);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double value = rs.getDouble("value");
                    Double boxed = rs.wasNull() ? null : value;
                    Timestamp endsAt = rs.getTimestamp("ends_at");
                    events.add(new RecordedAlertEvent(rs.getString("fingerprint"), rs.getString("status"),
                            rs.getTimestamp("event_at").toInstant(), rs.getString("rule"), rs.getString("severity"),
                            rs.getString("source_id"), rs.getString("object_schema"), rs.getString("object_name"),
                            boxed, rs.getDouble("threshold"), rs.getTimestamp("starts_at").toInstant(),
                            endsAt == null ? null : endsAt.toInstant(), rs.getString("summary")));
                }
            }
            conn.commit();
        } catch (SQLException e) {
            rollback(conn);
            throw e;
        }
        return events;
    }

    /** Deletes what is older than the retention before {@code now}; returns how many rows went. */
    public synchronized int purge(Instant now) throws SQLException {
        Timestamp cutoff = Timestamp.from(now.minus(retention));
        Connection conn = connection();
        int deleted = 0;
        try (PreparedStatement ps = conn.prepareStatement(HistorySql.PURGE)) {
            ps.setTimestamp(1, cutoff);
            ps.setTimestamp(2, cutoff);
            ps.setTimestamp(3, cutoff);
            boolean isResultSet = ps.execute();
            while (isResultSet || ps.getUpdateCount() != -1) {
                if (!isResultSet) {
                    deleted += ps.getUpdateCount();
                }
                isResultSet = ps.getMoreResults();
            }
            conn.commit();
        } catch (SQLException e) {
            rollback(conn);
            throw e;
        }
        return deleted;
    }

    private Connection connection() throws SQLException {
        if (closed) {
            throw new SQLException("history store closed");
        }
        if (connection == null || connection.isClosed() || !connection.isValid(5)) {
            closeConnection();
            connection = DriverManager.getConnection(jdbcUrl, credentials);
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private static void rollback(Connection conn) {
        try {
            conn.rollback();
        } catch (SQLException e) {
            // The connection is broken; connection() replaces it on the next use.
            log.debug("rollback failed on a broken connection: {}", e.getMessage());
        }
    }

    private static String json(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write labels as JSON", e);
        }
    }

    private static String state(ObjectState state) {
        if (state == null) {
            return null;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("n_live_tup", state.getNLiveTup());
        fields.put("n_dead_tup", state.getNDeadTup());
        fields.put("size_bytes", state.getSizeBytes());
        fields.put("last_vacuum", state.getLastVacuum() == null ? null : state.getLastVacuum().toString());
        fields.put("last_analyze", state.getLastAnalyze() == null ? null : state.getLastAnalyze().toString());
        try {
            return JSON.writeValueAsString(fields);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write object state as JSON", e);
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // Closing a connection that broke can fail; nothing is left to release.
                log.debug("closing the history connection failed: {}", e.getMessage());
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeConnection();
    }
}
