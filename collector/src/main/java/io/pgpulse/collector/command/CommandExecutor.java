package io.pgpulse.collector.command;

import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.postgresql.core.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one maintenance command on the database it names and says what became
 * of it. It refuses (SKIPPED, with the reason) every command that fails a check of
 * {@link CommandChecks}, that targets a standby, or whose object no longer has the
 * schema, name and OID the command names. It measures the object before and after,
 * runs the online statement with a short {@code lock_timeout}, and on a lock timeout
 * asks to be retried later rather than wait in the lock queue in front of the
 * application's queries. A failed concurrent rebuild's invalid {@code _ccnew} index
 * is dropped.
 */
public final class CommandExecutor {

    private static final Logger log = LoggerFactory.getLogger(CommandExecutor.class);

    private static final String RELATION_OID = SqlText.load("relation-oid.sql");
    private static final String TABLE_STATE = SqlText.load("table-state.sql");
    private static final String INDEX_STATE = SqlText.load("index-state.sql");
    private static final String IN_RECOVERY = SqlText.load("in-recovery.sql");
    private static final String SERVER_VERSION = SqlText.load("server-version.sql");
    private static final String REBUILD_LEFTOVERS = SqlText.load("invalid-rebuild-leftovers.sql");

    /** A result, and when set, how long to wait before trying the same command again. */
    public record Outcome(CommandResult result, Duration retryAfter) {
        public boolean isFinal() {
            return retryAfter == null;
        }
    }

    private final Map<String, TargetConfig> targetsBySource;
    private final ExecutorPolicy policy;
    private final ExecutedCommands executed;
    private final BooleanSupplier paused;
    private final Clock clock;

    public CommandExecutor(Map<String, TargetConfig> targetsBySource, ExecutorPolicy policy, ExecutedCommands executed,
                           BooleanSupplier paused, Clock clock) {
        // A concurrent map is the agent's live view (discovered databases come and go); anything else is copied.
        this.targetsBySource = targetsBySource instanceof java.util.concurrent.ConcurrentMap<String, TargetConfig>
                ? targetsBySource : Map.copyOf(targetsBySource);
        this.policy = policy;
        this.executed = executed;
        this.paused = paused;
        this.clock = clock;
    }

    /** Whether this agent watches the database the command is for. */
    public boolean handles(MaintenanceCommand command) {
        return targetsBySource.containsKey(command.getSourceId());
    }

    /** Runs {@code command}; {@code attempt} counts from 1 and grows with each lock-timeout retry. */
    public synchronized Outcome execute(MaintenanceCommand command, int attempt) {
        Instant started = clock.instant();
        CommandResult.Builder result = CommandResult.newBuilder()
                .setCommandId(command.getCommandId())
                .setSourceId(command.getSourceId())
                .setAlertFingerprint(command.getAlertFingerprint())
                .setAction(command.getAction())
                .setTarget(command.getTarget())
                .setStartedAt(started)
                .setFinishedAt(started);
        Optional<String> refusal = CommandChecks.refusal(command, policy, paused.getAsBoolean(),
                attempt == 1 && executed.contains(command.getCommandId()), started);
        if (refusal.isPresent()) {
            // A replay is refused without taking the id again; anything else is the id's one and only outcome.
            if (!refusal.get().startsWith("replay")) {
                executed.add(command.getCommandId());
            }
            return done(skipped(result, refusal.get()));
        }
        executed.add(command.getCommandId());
        List<String> checks = CommandChecks.passed(command, policy);
        result.setChecksPassed(checks);
        TargetConfig target = targetsBySource.get(command.getSourceId());
        try (Connection conn = connect(target)) {
            if (inRecovery(conn)) {
                return done(skipped(result, "database is a standby (in recovery): maintenance runs on primaries only"));
            }
            checks.add("database is a primary");
            String quoted = MaintenanceStatement.quoted(command.getTarget());
            Long oid = relationOid(conn, command.getTarget().getSchemaName(), command.getTarget().getName());
            if (oid == null) {
                return done(skipped(result, "object " + quoted + " no longer exists"));
            }
            if (oid != command.getTarget().getOid()) {
                return done(skipped(result, "object " + quoted + " has OID " + oid + ", the command names OID "
                        + command.getTarget().getOid() + " (dropped and re-created since the alert?)"));
            }
            checks.add(quoted + " still has OID " + oid);
            if (command.getAction() == MaintenanceAction.REINDEX_INDEX_CONCURRENTLY) {
                Optional<String> unsafe = CommandChecks.reindexConcurrentlyUnsafe(serverVersion(conn));
                if (unsafe.isPresent()) {
                    return done(skipped(result, unsafe.get()));
                }
                checks.add("server version has no known REINDEX CONCURRENTLY bug");
            }
            if (command.getAction() == MaintenanceAction.RETENTION_DELETE) {
                return retention(command, conn, oid, quoted, checks, result);
            }
            String sql = MaintenanceStatement.sqlFor(command.getAction(), command.getTarget());
            result.setStatement(sql);
            ObjectState before = state(conn, command.getTarget().getKind(), oid);
            result.setBefore(before);
            if (before.getSizeBytes() > policy.maxObjectBytes()) {
                return done(skipped(result, quoted + " is " + bytes(before.getSizeBytes()) + ", above this agent's "
                        + "max_object_size of " + bytes(policy.maxObjectBytes()) + ": left to a person"));
            }
            checks.add("size " + bytes(before.getSizeBytes()) + " within max_object_size " + bytes(policy.maxObjectBytes()));
            if (command.getDryRun()) {
                return done(skipped(result, "dry run: every check passed; " + sql + " was not executed"));
            }
            try (Statement st = conn.createStatement()) {
                st.execute(sql);
            } catch (SQLException e) {
                if (command.getAction() == MaintenanceAction.REINDEX_INDEX_CONCURRENTLY) {
                    dropRebuildLeftovers(conn, oid);
                }
                throw e;
            }
            result.setAfter(state(conn, command.getTarget().getKind(), oid));
            log.info("{}: {} done", command.getSourceId(), sql);
            return done(result.setOutcome(CommandOutcome.DONE).setReason(null).setFinishedAt(clock.instant()).build());
        } catch (SQLException e) {
            return failure(command, attempt, result, e);
        }
    }

    /**
     * The old rows of one table, batch by batch. No size limit applies: each batch is small
     * whatever the table's size, and a big table is where retention matters most.
     */
    private Outcome retention(MaintenanceCommand command, Connection conn, long oid, String quoted, List<String> checks,
                              CommandResult.Builder result) throws SQLException {
        String column = command.getRetention().getTimestampColumn();
        Optional<String> problem = RetentionDelete.tableProblem(conn, oid, quoted, column);
        if (problem.isPresent()) {
            return done(skipped(result, problem.get()));
        }
        checks.add(quoted + " is a plain table with a date or time column " + column);
        String description = RetentionDelete.describe(quoted, command.getRetention());
        result.setStatement(description);
        result.setBefore(state(conn, ObjectKind.TABLE, oid));
        if (command.getDryRun()) {
            return done(skipped(result, "dry run: every check passed; " + description + " was not executed"));
        }
        long deleted = RetentionDelete.run(conn, quoted, command.getRetention());
        result.setRowsDeleted(deleted);
        result.setAfter(state(conn, ObjectKind.TABLE, oid));
        log.info("{}: {} done: {} rows deleted", command.getSourceId(), description, deleted);
        return done(result.setOutcome(CommandOutcome.DONE).setReason(null).setFinishedAt(clock.instant()).build());
    }

    private Outcome failure(MaintenanceCommand command, int attempt, CommandResult.Builder result, SQLException e) {
        boolean lockTimeout = "55P03".equals(e.getSQLState());
        if (lockTimeout && attempt <= policy.lockRetries()) {
            Duration delay = policy.retryDelay().multipliedBy(1L << (attempt - 1));
            if (clock.instant().plus(delay).isBefore(command.getExpiresAt())) {
                String reason = "lock not granted within lock_timeout " + policy.lockTimeout().toMillis()
                        + " ms (the table is busy); gave up instead of queueing in front of the application, retry "
                        + attempt + " of " + policy.lockRetries() + " in " + delay.toSeconds() + " s";
                log.info("{}: {}", command.getSourceId(), reason);
                return new Outcome(result.setOutcome(CommandOutcome.RETRY_LATER).setReason(reason)
                        .setFinishedAt(clock.instant()).build(), delay);
            }
        }
        String reason = lockTimeout
                ? "lock not granted within lock_timeout " + policy.lockTimeout().toMillis() + " ms after " + attempt
                        + " attempts; the table stayed busy"
                : "SQLSTATE " + e.getSQLState() + ": " + e.getMessage();
        log.warn("{}: {} failed: {}", command.getSourceId(), command.getAction(), reason);
        return done(result.setOutcome(CommandOutcome.FAILED).setReason(reason).setFinishedAt(clock.instant()).build());
    }

    /** Sizes as PostgreSQL's pg_size_pretty writes them, near enough for a person. */
    static String bytes(long size) {
        String[] units = {"bytes", "kB", "MB", "GB", "TB"};
        double value = size;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? size + " bytes" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static Outcome done(CommandResult result) {
        return new Outcome(result, null);
    }

    private CommandResult skipped(CommandResult.Builder result, String reason) {
        log.info("{}: command {} skipped: {}", result.getSourceId(), result.getCommandId(), reason);
        return result.setOutcome(CommandOutcome.SKIPPED).setReason(reason).setFinishedAt(clock.instant()).build();
    }

    /** Drops the invalid copy a failed REINDEX CONCURRENTLY leaves behind; it only costs writes and space. */
    private void dropRebuildLeftovers(Connection conn, long indexOid) {
        List<String> leftovers = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(REBUILD_LEFTOVERS)) {
            ps.setLong(1, indexOid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StringBuilder name = new StringBuilder();
                    Utils.escapeIdentifier(name, rs.getString("schema_name"));
                    name.append('.');
                    Utils.escapeIdentifier(name, rs.getString("name"));
                    leftovers.add(name.toString());
                }
            }
            for (String leftover : leftovers) {
                try (Statement st = conn.createStatement()) {
                    st.execute("DROP INDEX CONCURRENTLY IF EXISTS " + leftover);
                    log.info("dropped the invalid index {} left by a failed REINDEX CONCURRENTLY", leftover);
                }
            }
        } catch (SQLException e) {
            log.warn("could not drop the invalid index left by a failed REINDEX CONCURRENTLY ({}): {}", leftovers,
                    e.getMessage());
        }
    }

    private Connection connect(TargetConfig target) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", target.user());
        if (target.password() != null) {
            props.setProperty("password", target.password());
        }
        props.setProperty("ApplicationName", "pgpulse-executor");
        props.setProperty("connectTimeout", "5");
        props.setProperty("options", "-c lock_timeout=" + policy.lockTimeout().toMillis()
                + " -c statement_timeout=" + policy.statementTimeout().toMillis());
        Connection conn = DriverManager.getConnection(target.jdbcUrl(), props);
        conn.setAutoCommit(true); // VACUUM and REINDEX CONCURRENTLY refuse to run inside a transaction block
        return conn;
    }

    private static boolean inRecovery(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(IN_RECOVERY)) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static int serverVersion(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(SERVER_VERSION)) {
            rs.next();
            return rs.getInt(1);
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

    private static ObjectState state(Connection conn, ObjectKind kind, long oid) throws SQLException {
        if (kind == ObjectKind.INDEX) {
            try (PreparedStatement ps = conn.prepareStatement(INDEX_STATE)) {
                ps.setLong(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? ObjectState.newBuilder().setSizeBytes(rs.getLong("size_bytes")).build() : null;
                }
            }
        }
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
