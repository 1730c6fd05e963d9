package io.pgpulse.collector.command;

import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.collector.target.TargetConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one maintenance command on the database it names and says what
 * became of it. Before running anything it checks that the command has not expired
 * and was not run before, that the database is a primary, and that the object's
 * schema, name and OID still match; then it measures the object, runs the online
 * statement with short lock and statement timeouts, and measures again.
 */
public final class CommandExecutor {

    private static final Logger log = LoggerFactory.getLogger(CommandExecutor.class);

    /** A maintenance statement gives up rather than queue behind (and in front of) application locks. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);
    static final Duration STATEMENT_TIMEOUT = Duration.ofMinutes(30);

    private static final String RELATION_OID = SqlText.load("relation-oid.sql");
    private static final String TABLE_STATE = SqlText.load("table-state.sql");
    private static final String IN_RECOVERY = SqlText.load("in-recovery.sql");

    private final Map<String, TargetConfig> targetsBySource;
    private final Clock clock;
    /** Ids already taken, bounded; the newest few thousand are enough to refuse a redelivery. */
    private final Set<String> seenIds = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });

    public CommandExecutor(Map<String, TargetConfig> targetsBySource, Clock clock) {
        this.targetsBySource = Map.copyOf(targetsBySource);
        this.clock = clock;
    }

    /** Whether this agent watches the database the command is for. */
    public boolean handles(MaintenanceCommand command) {
        return targetsBySource.containsKey(command.getSourceId());
    }

    public synchronized CommandResult execute(MaintenanceCommand command) {
        Instant started = clock.instant();
        CommandResult.Builder result = CommandResult.newBuilder()
                .setCommandId(command.getCommandId())
                .setSourceId(command.getSourceId())
                .setAction(command.getAction())
                .setTarget(command.getTarget())
                .setStartedAt(started)
                .setFinishedAt(started);
        if (!seenIds.add(command.getCommandId())) {
            return skipped(result, "command id already taken: a replay is never run twice");
        }
        if (!started.isBefore(command.getExpiresAt())) {
            return skipped(result, "expired at " + command.getExpiresAt());
        }
        if (command.getTarget().getKind() != MaintenanceStatement.kindFor(command.getAction())) {
            return skipped(result, command.getAction() + " applies to a " + MaintenanceStatement.kindFor(command.getAction())
                    + ", not a " + command.getTarget().getKind());
        }
        TargetConfig target = targetsBySource.get(command.getSourceId());
        try (Connection conn = connect(target)) {
            if (inRecovery(conn)) {
                return skipped(result, "database is a standby (in recovery): maintenance runs on primaries only");
            }
            Long oid = relationOid(conn, command.getTarget().getSchemaName(), command.getTarget().getName());
            if (oid == null) {
                return skipped(result, "object " + MaintenanceStatement.quoted(command.getTarget()) + " no longer exists");
            }
            if (oid != command.getTarget().getOid()) {
                return skipped(result, "object " + MaintenanceStatement.quoted(command.getTarget()) + " has OID " + oid
                        + ", the command expected " + command.getTarget().getOid() + " (dropped and re-created?)");
            }
            String sql = MaintenanceStatement.sqlFor(command.getAction(), command.getTarget());
            result.setStatement(sql);
            result.setBefore(tableState(conn, oid));
            if (command.getDryRun()) {
                return skipped(result, "dry run: checks passed, nothing executed");
            }
            try (Statement st = conn.createStatement()) {
                st.execute(sql);
            }
            result.setAfter(tableState(conn, oid));
            log.info("{}: {} done", command.getSourceId(), sql);
            return result.setOutcome(CommandOutcome.DONE).setReason(null).setFinishedAt(clock.instant()).build();
        } catch (SQLException e) {
            String reason = "55P03".equals(e.getSQLState())
                    ? "lock not granted within lock_timeout " + LOCK_TIMEOUT.toMillis() + "ms; to be retried later"
                    : "SQLSTATE " + e.getSQLState() + ": " + e.getMessage();
            log.warn("{}: {} failed: {}", command.getSourceId(), command.getAction(), reason);
            return result.setOutcome(CommandOutcome.FAILED).setReason(reason).setFinishedAt(clock.instant()).build();
        }
    }

    private CommandResult skipped(CommandResult.Builder result, String reason) {
        log.info("{}: command {} skipped: {}", result.getSourceId(), result.getCommandId(), reason);
        return result.setOutcome(CommandOutcome.SKIPPED).setReason(reason).setFinishedAt(clock.instant()).build();
    }

    private static Connection connect(TargetConfig target) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", target.user());
        if (target.password() != null) {
            props.setProperty("password", target.password());
        }
        props.setProperty("ApplicationName", "pgpulse-executor");
        props.setProperty("connectTimeout", "5");
        props.setProperty("options", "-c lock_timeout=" + LOCK_TIMEOUT.toMillis()
                + " -c statement_timeout=" + STATEMENT_TIMEOUT.toMillis());
        Connection conn = DriverManager.getConnection(target.jdbcUrl(), props);
        conn.setAutoCommit(true); // VACUUM and REINDEX CONCURRENTLY refuse to run inside a transaction block
        return conn;
    }

    private static boolean inRecovery(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(IN_RECOVERY)) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static Long relationOid(Connection conn, String schema, String name) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(RELATION_OID)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static ObjectState tableState(Connection conn, long oid) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(TABLE_STATE)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return ObjectState.newBuilder()
                        .setNLiveTup(rs.getLong("n_live_tup"))
                        .setNDeadTup(rs.getLong("n_dead_tup"))
                        .setSizeBytes(rs.getLong("size_bytes"))
                        .setLastVacuum(instant(rs.getTimestamp("last_vacuum")))
                        .setLastAnalyze(instant(rs.getTimestamp("last_analyze")))
                        .build();
            }
        }
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
