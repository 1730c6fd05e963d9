package io.pgpulse.collector.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.MaintenanceWindow;
import io.pgpulse.schemas.command.SigningKeys;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.core.Utils;

/**
 * The executor against a real PostgreSQL: every unsafe command is refused with its
 * reason and nothing runs; safe ones run on exactly the named object, however hostile
 * its name; a lock held by the application makes maintenance give up and ask for a
 * retry instead of queueing.
 */
class CommandExecutorIT {

    private static final String DB = "app";
    /** Names a careless executor would turn into SQL injection or the wrong object. */
    private static final String HOSTILE_TABLE = "events\"; DROP TABLE users; --";
    private static final String HOSTILE_SCHEMA = "tenant one.é";
    private static final String HOSTILE_INDEX = "idx \"weird\"; DROP TABLE users;" + "x".repeat(25); // 63 bytes at most
    private static final String LONG_TABLE = "t".repeat(63);

    private static EmbeddedPostgres postgres;
    private static final SigningKeys KEYS = SigningKeys.parse(SigningKeys.generate("it-key"));
    private final AtomicBoolean paused = new AtomicBoolean(false);
    private ExecutedCommands executed;
    private TargetConfig target;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.start(18);
        postgres.createDatabase(DB);
        try (Connection conn = postgres.connect(DB); Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE users (id int PRIMARY KEY)");
            st.execute("CREATE SCHEMA " + ident(HOSTILE_SCHEMA));
            for (String table : List.of(qualified(HOSTILE_SCHEMA, HOSTILE_TABLE), qualified("public", LONG_TABLE))) {
                st.execute("CREATE TABLE " + table + " (id int, payload text) WITH (autovacuum_enabled = false)");
                st.execute("INSERT INTO " + table + " SELECT i, 'x' FROM generate_series(1, 5000) i");
                st.execute("UPDATE " + table + " SET payload = 'y'");
            }
            st.execute("CREATE INDEX " + ident(HOSTILE_INDEX) + " ON " + qualified(HOSTILE_SCHEMA, HOSTILE_TABLE) + " (id)");
        }
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void freshLedger() {
        executed = new ExecutedCommands();
        target = new TargetConfig("pg-it", postgres.jdbcUrl(DB), postgres.user(), null, Duration.ofSeconds(10), Map.of());
    }

    private CommandExecutor executor(ExecutorPolicy policy) {
        return new CommandExecutor(Map.of("pg-it/app", target), policy, executed, paused::get, Clock.systemUTC());
    }

    private static MaintenanceCommand.Builder command(MaintenanceAction action, ObjectKind kind, String schema,
                                                      String name, long oid) {
        Instant now = Instant.now();
        return MaintenanceCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString())
                .setSourceId("pg-it/app")
                .setAction(action)
                .setTarget(ObjectRef.newBuilder().setKind(kind).setSchemaName(schema).setName(name).setOid(oid).build())
                .setReason("test")
                .setIssuedAt(now)
                .setExpiresAt(now.plus(Duration.ofMinutes(5)));
    }

    private static MaintenanceCommand signed(MaintenanceCommand.Builder builder) {
        return CommandSignature.sign(builder.build(), KEYS);
    }

    private MaintenanceCommand vacuumOfHostileTable() throws Exception {
        return signed(command(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, HOSTILE_SCHEMA, HOSTILE_TABLE,
                oid(HOSTILE_SCHEMA, HOSTILE_TABLE)));
    }

    @Test
    void everyUnsafeCommandIsRefusedWithItsReasonAndNothingRuns() throws Exception {
        long tableOid = oid(HOSTILE_SCHEMA, HOSTILE_TABLE);
        long indexOid = oid(HOSTILE_SCHEMA, HOSTILE_INDEX);
        CommandExecutor executor = executor(ExecutorPolicy.defaults(KEYS));
        MaintenanceCommand good = vacuumOfHostileTable();

        Map<String, MaintenanceCommand> unsafe = new java.util.LinkedHashMap<>();
        unsafe.put("unsigned", command(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, HOSTILE_SCHEMA, HOSTILE_TABLE, tableOid).build());
        unsafe.put("signed with unknown key", CommandSignature.sign(good, SigningKeys.parse(SigningKeys.generate("rogue"))));
        unsafe.put("signature does not match", MaintenanceCommand.newBuilder(good).setTarget(
                ObjectRef.newBuilder(good.getTarget()).setName("users").build()).build());
        unsafe.put("expired", signed(command(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, HOSTILE_SCHEMA, HOSTILE_TABLE, tableOid)
                .setIssuedAt(Instant.now().minusSeconds(3600)).setExpiresAt(Instant.now().minusSeconds(60))));
        unsafe.put("has OID", signed(command(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, HOSTILE_SCHEMA, HOSTILE_TABLE, tableOid + 1)));
        unsafe.put("no longer exists", signed(command(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, "public", "gone", 12345)));
        unsafe.put("applies to a INDEX", signed(command(MaintenanceAction.REINDEX_INDEX_CONCURRENTLY, ObjectKind.TABLE, HOSTILE_SCHEMA, HOSTILE_TABLE, tableOid)));
        unsafe.put("dry run", signed(command(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, HOSTILE_SCHEMA, HOSTILE_TABLE, tableOid).setDryRun(true)));

        for (Map.Entry<String, MaintenanceCommand> entry : unsafe.entrySet()) {
            CommandResult result = executor.execute(entry.getValue(), 1).result();
            assertThat(result.getOutcome()).as(entry.getKey()).isEqualTo(CommandOutcome.SKIPPED);
            assertThat(result.getReason()).as(entry.getKey()).contains(entry.getKey());
        }
        // Refused by this agent's own policy, whatever the sink signed.
        CommandResult notAllowed = executor(ExecutorPolicy.defaults(KEYS).withAllowedActions(EnumSet.of(MaintenanceAction.ANALYZE)))
                .execute(vacuumOfHostileTable(), 1).result();
        assertThat(notAllowed.getReason()).contains("not on this agent's allow-list");
        Instant now = Instant.now();
        MaintenanceWindow closed = MaintenanceWindow.parse("daily " + now.atZone(java.time.ZoneOffset.UTC).plusHours(2).toLocalTime().withSecond(0).withNano(0)
                + "-" + now.atZone(java.time.ZoneOffset.UTC).plusHours(3).toLocalTime().withSecond(0).withNano(0) + " UTC");
        CommandResult outsideWindow = executor(ExecutorPolicy.defaults(KEYS).withWindows(List.of(closed)))
                .execute(vacuumOfHostileTable(), 1).result();
        assertThat(outsideWindow.getReason()).contains("outside the maintenance windows");
        CommandResult tooLarge = executor(ExecutorPolicy.defaults(KEYS).withMaxObjectBytes(64 * 1024))
                .execute(vacuumOfHostileTable(), 1).result();
        assertThat(tooLarge.getOutcome()).isEqualTo(CommandOutcome.SKIPPED);
        assertThat(tooLarge.getReason()).contains("above this agent's max_object_size of 64.0 kB: left to a person");
        assertThat(tooLarge.getBefore().getSizeBytes()).isGreaterThan(64 * 1024);
        paused.set(true);
        assertThat(executor.execute(vacuumOfHostileTable(), 1).result().getReason()).contains("paused fleet-wide");
        paused.set(false);
        CommandResult noKeys = executor(ExecutorPolicy.defaults(null)).execute(vacuumOfHostileTable(), 1).result();
        assertThat(noKeys.getReason()).contains("no command signing keys");

        // Nothing ran: no vacuum, no analyze, the index is the same index, users still there.
        assertThat(lastVacuumOrAnalyze(HOSTILE_SCHEMA, HOSTILE_TABLE)).isFalse();
        assertThat(oid(HOSTILE_SCHEMA, HOSTILE_INDEX)).isEqualTo(indexOid);
        assertThat(oid("public", "users")).isPositive();
    }

    @Test
    void hostileNamesAreVacuumedAndReindexedExactlyAndAReplayIsRefused() throws Exception {
        CommandExecutor executor = executor(ExecutorPolicy.defaults(KEYS));
        MaintenanceCommand vacuum = vacuumOfHostileTable();
        CommandResult done = executor.execute(vacuum, 1).result();
        assertThat(done.getOutcome()).as(done.getReason()).isEqualTo(CommandOutcome.DONE);
        assertThat(done.getStatement()).isEqualTo("VACUUM (ANALYZE) " + qualified(HOSTILE_SCHEMA, HOSTILE_TABLE));
        assertThat(done.getBefore().getNDeadTup()).isGreaterThanOrEqualTo(4_000);
        assertThat(done.getAfter().getNDeadTup()).isZero();
        assertThat(lastVacuumOrAnalyze(HOSTILE_SCHEMA, HOSTILE_TABLE)).isTrue();
        assertThat(oid("public", "users")).isPositive();

        CommandResult replay = executor.execute(vacuum, 1).result();
        assertThat(replay.getOutcome()).isEqualTo(CommandOutcome.SKIPPED);
        assertThat(replay.getReason()).startsWith("replay");

        CommandResult longName = executor.execute(signed(command(MaintenanceAction.ANALYZE, ObjectKind.TABLE, "public",
                LONG_TABLE, oid("public", LONG_TABLE))), 1).result();
        assertThat(longName.getOutcome()).as(longName.getReason()).isEqualTo(CommandOutcome.DONE);

        long indexOid = oid(HOSTILE_SCHEMA, HOSTILE_INDEX);
        CommandResult reindex = executor.execute(signed(command(MaintenanceAction.REINDEX_INDEX_CONCURRENTLY,
                ObjectKind.INDEX, HOSTILE_SCHEMA, HOSTILE_INDEX, indexOid)), 1).result();
        assertThat(reindex.getOutcome()).as(reindex.getReason()).isEqualTo(CommandOutcome.DONE);
        assertThat(reindex.getBefore().getSizeBytes()).isPositive();
        assertThat(oid(HOSTILE_SCHEMA, HOSTILE_INDEX)).as("a concurrent rebuild swaps in a new index").isNotEqualTo(indexOid);
        assertThat(invalidIndexes()).isZero();
    }

    @Test
    void aLockHeldByTheApplicationMakesMaintenanceGiveUpAndRetryLater() throws Exception {
        ExecutorPolicy policy = ExecutorPolicy.defaults(KEYS);
        CommandExecutor executor = executor(policy);
        MaintenanceCommand vacuum = signed(command(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, "public",
                LONG_TABLE, oid("public", LONG_TABLE)));
        try (Connection app = postgres.connect(DB); Statement st = app.createStatement()) {
            app.setAutoCommit(false);
            st.execute("LOCK TABLE " + qualified("public", LONG_TABLE) + " IN ACCESS EXCLUSIVE MODE");

            CommandExecutor.Outcome first = executor.execute(vacuum, 1);
            assertThat(first.isFinal()).isFalse();
            assertThat(first.result().getOutcome()).isEqualTo(CommandOutcome.RETRY_LATER);
            assertThat(first.retryAfter()).isEqualTo(policy.retryDelay());
            assertThat(first.result().getReason()).contains("lock_timeout").contains("retry 1 of 3");

            // The application's transaction was not disturbed: it still holds its lock and commits.
            st.execute("SELECT count(*) FROM " + qualified("public", LONG_TABLE));
            app.commit();
        }
        CommandExecutor.Outcome retried = executor.execute(vacuum, 2);
        assertThat(retried.isFinal()).isTrue();
        assertThat(retried.result().getOutcome()).as(retried.result().getReason()).isEqualTo(CommandOutcome.DONE);
    }

    @Test
    void retentionDeletesOnlyRowsOlderThanTheCutOffInBatchesAndOnlyWhenAllowed() throws Exception {
        String table = "audit \"logs\"; ünïcødé";
        try (Connection conn = postgres.connect(DB); Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE " + qualified("public", table) + " (id int, created_at timestamptz, note text)");
            st.execute("INSERT INTO " + qualified("public", table)
                    + " SELECT i, now() - interval '120 days', 'old' FROM generate_series(1, 3000) i");
            st.execute("INSERT INTO " + qualified("public", table)
                    + " SELECT i, now() - interval '10 days', 'recent' FROM generate_series(3001, 3500) i");
        }
        long tableOid = oid("public", table);
        java.util.function.BiFunction<String, Long, MaintenanceCommand> retention = (column, keepMs) ->
                signed(command(MaintenanceAction.RETENTION_DELETE, ObjectKind.TABLE, "public", table, tableOid)
                        .setRetention(io.pgpulse.avro.RetentionSpec.newBuilder().setTimestampColumn(column)
                                .setOlderThanMs(keepMs).setBatchRows(1000).setMaxBatches(2).build()));
        long ninetyDays = Duration.ofDays(90).toMillis();
        ExecutorPolicy allowing = ExecutorPolicy.defaults(KEYS).withAllowedActions(EnumSet.allOf(MaintenanceAction.class));

        // Opt-in on the agent: the default allow-list does not delete data.
        assertThat(executor(ExecutorPolicy.defaults(KEYS)).execute(retention.apply("created_at", ninetyDays), 1).result()
                .getReason()).contains("not on this agent's allow-list");
        assertThat(executor(allowing).execute(retention.apply("created_at", 3_600_000L), 1).result().getReason())
                .contains("deletes nothing younger than 1 day");
        assertThat(executor(allowing).execute(retention.apply("id", ninetyDays), 1).result().getReason())
                .contains("is int4, expected timestamp, timestamptz or date");
        assertThat(executor(allowing).execute(retention.apply("no_such_column", ninetyDays), 1).result().getReason())
                .contains("has no column \"no_such_column\"");
        assertThat(rows(table)).isEqualTo(3500);

        // Two batches of 1,000 per command: the rest waits for the next run.
        CommandResult first = executor(allowing).execute(retention.apply("created_at", ninetyDays), 1).result();
        assertThat(first.getOutcome()).as("%s", first.getReason()).isEqualTo(CommandOutcome.DONE);
        assertThat(first.getRowsDeleted()).isEqualTo(2000);
        assertThat(first.getStatement()).startsWith("DELETE FROM " + qualified("public", table)
                + " WHERE \"created_at\" < now() - interval '7776000 seconds' in batches of 1,000 rows");
        assertThat(first.getChecksPassed()).contains("retention keeps at least 1 day, batches within limits");
        CommandResult second = executor(allowing).execute(retention.apply("created_at", ninetyDays), 1).result();
        assertThat(second.getRowsDeleted()).isEqualTo(1000);
        assertThat(rows(table)).as("only the recent rows are left").isEqualTo(500);
        try (Connection conn = postgres.connect(DB); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + qualified("public", table) + " WHERE note = 'old'")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    private static long rows(String table) throws Exception {
        try (Connection conn = postgres.connect(DB); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + qualified("public", table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long oid(String schema, String name) throws Exception {
        try (Connection conn = postgres.connect(DB); PreparedStatement ps = conn.prepareStatement(
                "SELECT c.oid::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    private static boolean lastVacuumOrAnalyze(String schema, String table) throws Exception {
        try (Connection conn = postgres.connect(DB); PreparedStatement ps = conn.prepareStatement(
                "SELECT last_vacuum IS NOT NULL OR last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static int invalidIndexes() throws Exception {
        try (Connection conn = postgres.connect(DB); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_index WHERE NOT indisvalid")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String ident(String name) throws Exception {
        return Utils.escapeIdentifier(new StringBuilder(), name).toString();
    }

    private static String qualified(String schema, String name) throws Exception {
        return ident(schema) + "." + ident(name);
    }
}
