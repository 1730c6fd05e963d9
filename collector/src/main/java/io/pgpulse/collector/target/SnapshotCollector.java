package io.pgpulse.collector.target;

import io.pgpulse.avro.CollectionError;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.metric.MetricGroup;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes snapshots of one target: the metric groups that are due, inside one read-only
 * REPEATABLE READ transaction so that all sections describe the same moment, over one
 * connection that is kept between snapshots (its statements stay prepared).
 *
 * <p>A failure never escapes. A target that cannot be reached, refuses the login or
 * times out gives a snapshot with {@code up=false} and the error's class; connecting is
 * retried with a doubling delay ({@link ConnectBackoff}), saying "attempt n of m".
 * A group that fails on its own (a missing view or privilege, SQLSTATE class 42, a
 * statement timeout) is left out of that snapshot with the reason in
 * {@code group_errors}; the rest is still collected. Class 42 failures and missing
 * extensions turn the group off for {@value #RECHECK_MINUTES} minutes and are logged once
 * per target and group, not once per snapshot.
 */
public final class SnapshotCollector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SnapshotCollector.class);

    /** Per-statement limit on the monitored database; a snapshot must never hold it up. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    static final String APPLICATION_NAME = "pgpulse-collector";
    /** How long a group turned off by a missing object, privilege or extension stays off. */
    static final long RECHECK_MINUTES = 10;
    private static final Duration RECHECK = Duration.ofMinutes(RECHECK_MINUTES);
    /** The group whose failure makes the whole snapshot fail: without it, nothing can be compared. */
    private static final String ESSENTIAL_GROUP = "server";

    private final TargetConfig target;
    private final MetricCatalog catalog;
    private final Clock clock;
    private final ConnectBackoff backoff;
    private Connection connection;
    private PgBouncerConsole console;
    private SectionReader reader;
    private int majorVersion;
    private final Map<String, Instant> lastRun = new HashMap<>();
    private final Map<String, Instant> offUntil = new HashMap<>();
    private final Map<String, Boolean> extensions = new HashMap<>();
    private Instant extensionsCheckedAt = Instant.MIN;
    /** What has been logged once and stays quiet until it changes. */
    private final Set<String> reported = new HashSet<>();
    private CollectionError lastError;
    private Instant downSince;
    private long failedSnapshots;

    public SnapshotCollector(TargetConfig target, MetricCatalog catalog, Clock clock) {
        this(target, catalog, clock, ConnectBackoff.forInterval(target.interval()));
    }

    SnapshotCollector(TargetConfig target, MetricCatalog catalog, Clock clock, ConnectBackoff backoff) {
        this.target = target;
        this.catalog = catalog;
        this.clock = clock;
        this.backoff = backoff;
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
        PgSnapshot result;
        if (!backoff.mayAttempt(collectedAt)) {
            result = down(snapshot, lastError);
        } else {
            result = attempt(snapshot, collectedAt);
        }
        result.setCollectionMs((System.nanoTime() - started) / 1_000_000);
        return result;
    }

    private PgSnapshot attempt(PgSnapshot.Builder snapshot, Instant now) {
        try {
            connection();
        } catch (SQLException e) {
            return connectFailed(snapshot, now, e);
        }
        try {
            PgSnapshot taken = target.console() == MetricGroup.Console.PGBOUNCER
                    ? runConsoleGroups(snapshot.build(), now)
                    : runGroups(snapshot.build(), now);
            if (taken.getUp()) {
                recovered(now);
            } else {
                failedSnapshots++;
            }
            return taken;
        } catch (SQLException e) {
            // The connection broke mid-snapshot (or the essential group failed in a way that leaves it unusable).
            closeConnection();
            return connectFailed(snapshot, now, e);
        }
    }

    /** Every due group in one transaction; a group that fails alone is dropped and the rest run again. */
    private PgSnapshot runGroups(PgSnapshot base, Instant now) throws SQLException {
        List<MetricGroup> due = dueGroups(now);
        Map<String, String> groupErrors = new LinkedHashMap<>();
        checkExtensions(now, due, groupErrors);
        while (true) {
            PgSnapshot partial = PgSnapshot.newBuilder(base).build();
            List<String> collected = new ArrayList<>();
            MetricGroup failedGroup = null;
            SQLException failure = null;
            for (MetricGroup group : due) {
                try {
                    Object section = reader.read(group, majorVersion, now);
                    partial.put(PgSnapshot.getClassSchema().getField(group.section()).pos(), section);
                    collected.add(group.name());
                } catch (SectionReader.DeclarationMismatch e) {
                    turnOff(group, now, "metric group " + group.name() + " does not match metrics.yaml: " + e.getMessage());
                    groupErrors.put(group.name(), e.getMessage());
                } catch (SQLException e) {
                    if (isConnectionLoss(e)) {
                        throw e;
                    }
                    failedGroup = group;
                    failure = e;
                    break;
                }
            }
            if (failedGroup == null) {
                connection.commit();
                collected.forEach(name -> {
                    lastRun.put(name, now);
                    if (reported.remove("group:" + name)) {
                        log.info("{}: metric group {} works again", target.sourceId(), name);
                    }
                });
                partial.setGroupsCollected(collected);
                partial.setGroupErrors(groupErrors);
                return partial;
            }
            connection.rollback();
            if (failedGroup.name().equals(ESSENTIAL_GROUP)) {
                return groupFailedSnapshot(base, failure);
            }
            groupFailed(failedGroup, failure, now, groupErrors);
            due.remove(failedGroup);
        }
    }

    /** A PgBouncer admin console has no transactions: each SHOW command on its own. */
    private PgSnapshot runConsoleGroups(PgSnapshot base, Instant now) throws SQLException {
        PgSnapshot partial = PgSnapshot.newBuilder(base).build();
        List<String> collected = new ArrayList<>();
        Map<String, String> groupErrors = new LinkedHashMap<>();
        for (MetricGroup group : dueGroups(now)) {
            try {
                partial.put(PgSnapshot.getClassSchema().getField(group.section()).pos(), reader.read(group, majorVersion, now));
                collected.add(group.name());
                lastRun.put(group.name(), now);
            } catch (SectionReader.DeclarationMismatch e) {
                turnOff(group, now, "metric group " + group.name() + " does not match metrics.yaml: " + e.getMessage());
                groupErrors.put(group.name(), e.getMessage());
            } catch (SQLException e) {
                if (isConnectionLoss(e)) {
                    throw e;
                }
                groupFailed(group, e, now, groupErrors);
            }
        }
        partial.setGroupsCollected(collected);
        partial.setGroupErrors(groupErrors);
        return partial;
    }

    private List<MetricGroup> dueGroups(Instant now) {
        List<MetricGroup> due = new ArrayList<>();
        // Half an interval of slack, so that a 5 min group on a 10 s target is not pushed to 5 min 10 s by jitter.
        Duration slack = target.interval().dividedBy(2);
        for (MetricGroup group : catalog.groups()) {
            if (group.console() != target.console() || !group.runsOn(majorVersion)) {
                continue;
            }
            Instant off = offUntil.get(group.name());
            if (off != null && now.isBefore(off)) {
                continue;
            }
            Instant last = lastRun.get(group.name());
            if (group.everySnapshot() || last == null
                    || !Duration.between(last, now).plus(slack).minus(group.interval()).isNegative()) {
                due.add(group);
            }
        }
        return due;
    }

    /** Leaves out groups whose extension is missing, saying so once per target. */
    private void checkExtensions(Instant now, List<MetricGroup> due, Map<String, String> groupErrors) throws SQLException {
        if (Duration.between(extensionsCheckedAt, now).compareTo(RECHECK) >= 0) {
            extensions.clear();
            extensionsCheckedAt = now;
        }
        for (var it = due.iterator(); it.hasNext(); ) {
            MetricGroup group = it.next();
            String extension = group.requiresExtension();
            if (extension == null) {
                continue;
            }
            Boolean installed = extensions.get(extension);
            if (installed == null) {
                installed = extensionInstalled(extension);
                extensions.put(extension, installed);
                String key = "extension:" + extension;
                if (!installed && reported.add(key)) {
                    log.info("{}: {} missing; {} group off (CREATE EXTENSION {} in this database turns it on; checked "
                                    + "again every {} minutes)", target.sourceId(), extension, group.name(), extension,
                            RECHECK_MINUTES);
                } else if (installed && reported.remove(key)) {
                    log.info("{}: {} found; {} group on", target.sourceId(), extension, group.name());
                }
            }
            if (!installed) {
                groupErrors.put(group.name(), extension + " is not installed in this database");
                it.remove();
            }
        }
    }

    private boolean extensionInstalled(String extension) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(SqlResource.EXTENSION_INSTALLED)) {
            ps.setString(1, extension);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private void groupFailed(MetricGroup group, SQLException e, Instant now, Map<String, String> groupErrors) {
        String state = e.getSQLState();
        String errorClass = errorClass(state);
        String message = errorClass + (state == null ? "" : " (" + state + ")") + ": " + e.getMessage();
        groupErrors.put(group.name(), message);
        if (state != null && state.startsWith("42")) {
            // A missing view or privilege does not come back by itself within seconds.
            turnOff(group, now, message);
        } else if (reported.add("group:" + group.name())) {
            log.warn("{}: metric group {} failed: {}; the other groups are still collected",
                    target.sourceId(), group.name(), message);
        }
    }

    private void turnOff(MetricGroup group, Instant now, String reason) {
        offUntil.put(group.name(), now.plus(RECHECK));
        if (reported.add("group:" + group.name())) {
            log.warn("{}: metric group {} off for {} minutes: {}", target.sourceId(), group.name(), RECHECK_MINUTES, reason);
        }
    }

    private PgSnapshot groupFailedSnapshot(PgSnapshot base, SQLException e) {
        failedSnapshots++;
        CollectionError error = error(e);
        if (reported.add("group:" + ESSENTIAL_GROUP)) {
            log.warn("{}: snapshot failed: {} ({}): {}", target.sourceId(), error.getErrorClass(), error.getSqlstate(),
                    error.getMessage());
        }
        return down(PgSnapshot.newBuilder(base), error);
    }

    private PgSnapshot connectFailed(PgSnapshot.Builder snapshot, Instant now, SQLException e) {
        CollectionError error = error(e);
        boolean authentication = "authentication".equals(error.getErrorClass()) || "3D000".equals(e.getSQLState());
        Duration delay = backoff.failed(now, authentication);
        failedSnapshots++;
        if (downSince == null) {
            downSince = now;
        }
        String what = error.getErrorClass() + (error.getSqlstate() == null ? "" : " " + error.getSqlstate());
        if (authentication) {
            if (reported.add("auth:" + error.getMessage())) {
                log.error("{}: login refused ({}): {}; not retried for {} minutes (snapshots say up=false meanwhile)",
                        target.sourceId(), what, error.getMessage(), delay.toMinutes());
            }
        } else if (backoff.failures() <= backoff.fastAttempts()) {
            log.warn("{}: cannot collect ({}): {}; attempt {} of {}, next in {}", target.sourceId(), what,
                    error.getMessage(), backoff.failures(), backoff.fastAttempts(), human(delay));
            if (backoff.failures() == backoff.fastAttempts()) {
                log.warn("{}: still failing after {} attempts; trying every {} from now on, quietly",
                        target.sourceId(), backoff.fastAttempts(), human(delay));
            }
        }
        lastError = error;
        return down(snapshot, error);
    }

    private void recovered(Instant now) {
        if (downSince != null) {
            log.info("{}: collecting again after {} failed snapshots ({} down)", target.sourceId(), failedSnapshots,
                    human(Duration.between(downSince, now)));
        }
        downSince = null;
        failedSnapshots = 0;
        lastError = null;
        backoff.succeeded();
        reported.removeIf(key -> key.startsWith("auth:") || key.equals("group:" + ESSENTIAL_GROUP));
    }

    private static PgSnapshot down(PgSnapshot.Builder snapshot, CollectionError error) {
        return snapshot.setUp(false)
                .setError(error)
                .setServer(null).setDatabaseStats(null).setTables(null).setTableSizes(null).setIndexes(null)
                .setIndexSizes(null).setActivity(null).setLocks(null).setStatements(null).setCheckpointer(null)
                .setWal(null).setArchiver(null).setReplication(null).setSettings(null).setPgbouncer(null).setIoStats(null)
                .setGroupsCollected(List.of())
                .build();
    }

    private static CollectionError error(SQLException e) {
        return CollectionError.newBuilder()
                .setSqlstate(e.getSQLState())
                .setErrorClass(errorClass(e.getSQLState()))
                .setMessage(String.valueOf(e.getMessage()))
                .build();
    }

    private void connection() throws SQLException {
        if (target.console() == MetricGroup.Console.PGBOUNCER) {
            consoleConnection();
            return;
        }
        if (connection != null && !connection.isClosed()) {
            return;
        }
        Properties props = new Properties();
        props.setProperty("user", target.user());
        if (target.password() != null) {
            props.setProperty("password", target.password());
        }
        props.setProperty("ApplicationName", APPLICATION_NAME);
        props.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        props.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
        props.setProperty("tcpKeepAlive", "true");
        if (target.sslmode() != null) {
            props.setProperty("sslmode", target.sslmode());
        }
        props.setProperty("options", "-c statement_timeout=" + STATEMENT_TIMEOUT.toMillis()
                + " -c lock_timeout=" + LOCK_TIMEOUT.toMillis()
                + " -c idle_in_transaction_session_timeout=" + SOCKET_TIMEOUT.toMillis());
        // Server-side prepared from the first execution: each query is parsed once per connection.
        props.setProperty("prepareThreshold", "1");
        Connection conn = DriverManager.getConnection(target.jdbcUrl(), props);
        try {
            conn.setAutoCommit(false);
            conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            conn.setReadOnly(true);
            majorVersion = conn.getMetaData().getDatabaseMajorVersion();
        } catch (SQLException e) {
            conn.close();
            throw e;
        }
        connection = conn;
        reader = new SectionReader(conn, target.interval().dividedBy(2));
        connected();
        log.debug("{}: connected to PostgreSQL {}", target.sourceId(), majorVersion);
    }

    /** PgBouncer's admin console speaks only simple queries and refuses pgjdbc's session setup: our own client. */
    private void consoleConnection() throws SQLException {
        if (console != null && !console.isClosed()) {
            return;
        }
        if ("require".equals(target.sslmode()) || "verify-ca".equals(target.sslmode()) || "verify-full".equals(target.sslmode())) {
            throw new SQLException("sslmode " + target.sslmode() + " is not supported for PgBouncer console targets "
                    + "(pgpulse's console client speaks plain TCP only)", "08004");
        }
        PgBouncerConsole opened = PgBouncerConsole.connect(target.host(), target.port(), target.database(), target.user(),
                target.password(), APPLICATION_NAME, CONNECT_TIMEOUT, SOCKET_TIMEOUT);
        console = opened;
        majorVersion = opened.majorVersion();
        reader = new SectionReader(opened::query);
        connected();
        log.debug("{}: connected to PgBouncer {}", target.sourceId(), opened.serverVersion());
    }

    private void connected() {
        extensions.clear();
        extensionsCheckedAt = Instant.MIN;
        // A fresh connection may see what the old one could not (a new grant, a created view).
        offUntil.clear();
    }

    /** The server major version of the current connection (0 before the first). */
    public synchronized int majorVersion() {
        return majorVersion;
    }

    /** Whether a failure means the connection is gone (and must be re-opened), not that one query failed. */
    static boolean isConnectionLoss(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P") || state.equals("25P03");
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
        if (sqlState.equals("57014") || sqlState.equals("55P03") || sqlState.equals("25P03")) {
            return "timeout";
        }
        if (sqlState.startsWith("57P")) {
            return "connection";
        }
        if (sqlState.equals("42501")) {
            return "permission";
        }
        if (sqlState.startsWith("42") || sqlState.startsWith("22") || sqlState.equals("3D000")) {
            return "query";
        }
        return "other";
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms < 1000 ? ms + " ms" : ms < 120_000 ? (ms / 1000) + " s" : (ms / 60_000) + " min";
    }

    private void closeConnection() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("{}: closing a broken connection failed: {}", target.sourceId(), e.getMessage());
            }
            connection = null;
        }
        if (console != null) {
            console.close();
            console = null;
        }
    }

    @Override
    public synchronized void close() {
        closeConnection();
    }
}
