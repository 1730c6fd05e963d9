package io.pgpulse.collector.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.BlockingPair;
import io.pgpulse.avro.IndexSize;
import io.pgpulse.avro.IndexStats;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.TableSize;
import io.pgpulse.avro.TableStats;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.metric.MetricGroup;
import io.pgpulse.collector.metric.MetricQuery;
import io.pgpulse.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

/**
 * Every shipped metric query on real PostgreSQL 13, 15 and 18 (started once for the
 * class, in parallel): the columns each returns are exactly the declared ones, a
 * snapshot fills every section the major has, awkward table and index names come
 * through byte for byte, a database without pg_stat_statements gets a null statements
 * section with the reason, and a blocked backend shows up as a blocking pair.
 */
class MetricGroupsIT {

    static final int[] MAJORS = {13, 15, 18};
    static final String DB = "app";
    static final String BARE_DB = "no statements";
    /** Quotes, a semicolon, spaces, dots and non-ASCII; names a careless collector would mangle. */
    static final String SCHEMA = "Tenant \"one\". é";
    static final String TABLE = "events; \"quoted\" name.dot ✓";
    /** 63 bytes, the longest identifier PostgreSQL keeps: 31 two-byte letters and one ASCII one. */
    static final String LONG_TABLE = "é".repeat(31) + "x";
    static final String INDEX = "idx \"q\" . ü";
    static final String LONG_INDEX = "i".repeat(63);

    private static final Map<Integer, EmbeddedPostgres> servers = new ConcurrentHashMap<>();
    private static final MetricCatalog catalog = MetricCatalog.defaults();

    @BeforeAll
    static void startServers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(MAJORS.length);
        try {
            List<Future<?>> started = new ArrayList<>();
            for (int major : MAJORS) {
                started.add(pool.submit(() -> {
                    EmbeddedPostgres pg = EmbeddedPostgres.start(major);
                    servers.put(major, pg);
                    prepare(pg);
                    return null;
                }));
            }
            for (Future<?> f : started) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(servers.keySet()).containsExactlyInAnyOrder(13, 15, 18);
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (EmbeddedPostgres pg : servers.values()) {
            pg.close();
        }
    }

    static void prepare(EmbeddedPostgres pg) throws Exception {
        pg.createDatabase(DB);
        pg.createDatabase(BARE_DB);
        try (Connection conn = pg.connect(DB); Statement st = conn.createStatement()) {
            st.execute("CREATE EXTENSION pg_stat_statements");
            st.execute("CREATE SCHEMA " + ident(conn, SCHEMA));
            String table = ident(conn, SCHEMA) + "." + ident(conn, TABLE);
            String longTable = "public." + ident(conn, LONG_TABLE);
            st.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, payload text, note text)");
            st.execute("CREATE TABLE " + longTable + " (id int, v int)");
            st.execute("CREATE INDEX " + ident(conn, INDEX) + " ON " + table + " (payload)");
            st.execute("CREATE UNIQUE INDEX " + ident(conn, LONG_INDEX) + " ON " + longTable + " (id)");
            st.execute("INSERT INTO " + table + " SELECT i, md5(i::text), NULL FROM generate_series(1, 2000) i");
            st.execute("INSERT INTO " + longTable + " SELECT i, i FROM generate_series(1, 500) i");
            st.execute("ANALYZE");
            st.executeQuery("SELECT count(*) FROM " + table + " WHERE payload = 'x'").close();
        }
    }

    static String ident(Connection conn, String name) throws Exception {
        return conn.unwrap(PGConnection.class).escapeIdentifier(name);
    }

    static TargetConfig target(EmbeddedPostgres pg, String db) {
        return new TargetConfig("pg" + pg.majorVersion(), pg.jdbcUrl(db), pg.user(), null, Duration.ofSeconds(10), Map.of());
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 18})
    void everyShippedQueryReturnsExactlyItsDeclaredColumns(int major) throws Exception {
        EmbeddedPostgres pg = servers.get(major);
        List<String> checked = new ArrayList<>();
        try (Connection conn = pg.connect(DB)) {
            conn.setAutoCommit(false);
            conn.setReadOnly(true);
            for (MetricGroup group : catalog.groups()) {
                if (group.console() != MetricGroup.Console.POSTGRES) {
                    continue;
                }
                for (MetricQuery query : group.queries()) {
                    Optional<String> sql = query.sqlFor(major);
                    if (sql.isEmpty()) {
                        continue;
                    }
                    try (Statement st = conn.createStatement(); ResultSet rows = st.executeQuery(sql.get())) {
                        assertThat(query.columnMismatch(rows.getMetaData(), true))
                                .as("%s%s on %d", group.name(), query.field() == null ? "" : "." + query.field(), major)
                                .isEmpty();
                    }
                    checked.add(group.name() + (query.field() == null ? "" : "." + query.field()));
                }
            }
            conn.rollback();
        }
        assertThat(checked).contains("server", "database", "tables", "indexes", "activity", "locks",
                "locks.blocking_pairs", "locks.held_by_mode", "statements", "statements.top", "checkpointer",
                "archiver", "replication", "replication.replicas", "settings", "table_sizes", "index_sizes");
        assertThat(checked.contains("wal")).isEqualTo(major >= 14);
        assertThat(checked.contains("io")).isEqualTo(major >= 16);
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 18})
    void tablesAndIndexesAgreeWithTheStandardViews(int major) throws Exception {
        EmbeddedPostgres pg = servers.get(major);
        try (Connection conn = pg.connect(DB)) {
            conn.setAutoCommit(false);
            conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            // One transaction: the group and the views read the same statistics snapshot.
            List<String> fromGroup = rows(conn, catalog.group("tables").sqlFor(major).orElseThrow(),
                    "schema_name", "name", "oid", "seq_scan", "idx_scan", "idx_tup_fetch", "n_live_tup", "heap_blks_hit", "idx_blks_hit");
            List<String> fromViews = rows(conn, """
                    SELECT s.schemaname AS schema_name, s.relname AS name, s.relid::bigint AS oid, s.seq_scan,
                           coalesce(s.idx_scan, 0) AS idx_scan, coalesce(s.idx_tup_fetch, 0) AS idx_tup_fetch, s.n_live_tup,
                           io.heap_blks_hit, coalesce(io.idx_blks_hit, 0) AS idx_blks_hit
                      FROM pg_stat_user_tables s JOIN pg_statio_user_tables io USING (relid) ORDER BY s.relid""",
                    "schema_name", "name", "oid", "seq_scan", "idx_scan", "idx_tup_fetch", "n_live_tup", "heap_blks_hit", "idx_blks_hit");
            assertThat(fromGroup).isNotEmpty().isEqualTo(fromViews);
            List<String> indexesFromGroup = rows(conn, catalog.group("indexes").sqlFor(major).orElseThrow(),
                    "schema_name", "table_name", "name", "oid", "idx_scan", "idx_tup_read", "idx_blks_hit");
            List<String> indexesFromViews = rows(conn, """
                    SELECT s.schemaname AS schema_name, s.relname AS table_name, s.indexrelname AS name,
                           s.indexrelid::bigint AS oid, s.idx_scan, s.idx_tup_read, io.idx_blks_hit
                      FROM pg_stat_user_indexes s JOIN pg_statio_user_indexes io USING (indexrelid) ORDER BY s.indexrelid""",
                    "schema_name", "table_name", "name", "oid", "idx_scan", "idx_tup_read", "idx_blks_hit");
            assertThat(indexesFromGroup).isNotEmpty().isEqualTo(indexesFromViews);
            conn.rollback();
        }
    }

    private static List<String> rows(Connection conn, String sql, String... columns) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (String c : columns) {
                    row.append(rs.getString(c)).append('|');
                }
                out.add(row.toString());
            }
        }
        return out;
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 18})
    void snapshotFillsEverySectionTheMajorHasAndKeepsAwkwardNames(int major) {
        EmbeddedPostgres pg = servers.get(major);
        PgSnapshot snapshot;
        try (SnapshotCollector collector = new SnapshotCollector(target(pg, DB), catalog, Clock.systemUTC())) {
            snapshot = collector.collect();
        }
        assertThat(snapshot.getUp()).as("error: %s", snapshot.getError()).isTrue();
        assertThat(snapshot.getGroupErrors()).isEmpty();
        List<String> expected = new ArrayList<>(List.of("server", "database", "tables", "indexes", "activity", "locks",
                "statements", "checkpointer", "archiver", "replication", "settings", "table_sizes", "index_sizes"));
        if (major >= 14) {
            expected.add("wal");
        }
        if (major >= 16) {
            expected.add("io");
        }
        assertThat(snapshot.getGroupsCollected()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(snapshot.getServer().getVersionNum() / 10000).isEqualTo(major);
        assertThat(snapshot.getDatabaseStats().getSizeBytes()).isPositive();
        assertThat(snapshot.getActivity()).isNotNull();
        assertThat(snapshot.getLocks().getHeldByMode()).containsKey("AccessShareLock");
        assertThat(snapshot.getStatements().getStatementCount()).isPositive();
        assertThat(snapshot.getStatements().getTop()).isNotEmpty()
                .allSatisfy(s -> assertThat(s.getBlkReadTimeMs()).isNotNull());
        assertThat(snapshot.getCheckpointer().getBuffersAlloc()).isNotNegative();
        assertThat(snapshot.getCheckpointer().getBuffersBackend() == null).isEqualTo(major >= 17);
        assertThat(snapshot.getArchiver()).isNotNull();
        assertThat(snapshot.getReplication().getIsStandby()).isFalse();
        assertThat(snapshot.getReplication().getReplicas()).isEmpty();
        assertThat(snapshot.getSettings()).containsKeys("shared_buffers", "max_connections", "autovacuum")
                .doesNotContainKey("statement_timeout");
        assertThat(snapshot.getWal() != null).isEqualTo(major >= 14);
        assertThat(snapshot.getIoStats() != null && !snapshot.getIoStats().isEmpty()).isEqualTo(major >= 16);
        assertThat(snapshot.getPgbouncer()).isNull();

        assertThat(snapshot.getTables()).extracting(TableStats::getSchemaName, TableStats::getName)
                .contains(org.assertj.core.groups.Tuple.tuple(SCHEMA, TABLE),
                        org.assertj.core.groups.Tuple.tuple("public", LONG_TABLE));
        assertThat(LONG_TABLE.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(63);
        assertThat(snapshot.getIndexes()).extracting(IndexStats::getSchemaName, IndexStats::getTableName, IndexStats::getName)
                .contains(org.assertj.core.groups.Tuple.tuple(SCHEMA, TABLE, INDEX),
                        org.assertj.core.groups.Tuple.tuple("public", LONG_TABLE, LONG_INDEX));
        IndexStats longIndex = snapshot.getIndexes().stream().filter(i -> i.getName().equals(LONG_INDEX)).findFirst().orElseThrow();
        assertThat(longIndex.getIsUnique()).isTrue();
        assertThat(longIndex.getIsPrimary()).isFalse();
        TableSize size = snapshot.getTableSizes().stream().filter(t -> t.getName().equals(TABLE)).findFirst().orElseThrow();
        assertThat(size.getSchemaName()).isEqualTo(SCHEMA);
        assertThat(size.getHeapBytes()).isPositive();
        assertThat(size.getEstimatedBloatBytes()).isNotNull().isNotNegative();
        assertThat(size.getEstimatedBloatRatio()).isBetween(0.0, 1.0);
        IndexSize indexSize = snapshot.getIndexSizes().stream().filter(i -> i.getName().equals(INDEX)).findFirst().orElseThrow();
        assertThat(indexSize.getSizeBytes()).isPositive();
        assertThat(indexSize.getEstimatedBloatBytes()).isNotNull().isNotNegative();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 18})
    void databaseWithoutPgStatStatementsHasNoStatementsSectionAndSaysWhy(int major) {
        EmbeddedPostgres pg = servers.get(major);
        try (SnapshotCollector collector = new SnapshotCollector(target(pg, BARE_DB), catalog, Clock.systemUTC())) {
            for (int i = 0; i < 2; i++) {
                PgSnapshot snapshot = collector.collect();
                assertThat(snapshot.getUp()).isTrue();
                assertThat(snapshot.getStatements()).isNull();
                // Measured in the first snapshot, carried into the next (the size part runs every 5 minutes).
                assertThat(snapshot.getDatabaseStats().getSizeBytes()).isPositive();
                assertThat(snapshot.getGroupsCollected()).doesNotContain("statements").contains("database", "tables");
                assertThat(snapshot.getGroupErrors())
                        .containsEntry("statements", "pg_stat_statements is not installed in this database");
            }
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 18})
    void blockedBackendShowsUpAsABlockingPair(int major) throws Exception {
        EmbeddedPostgres pg = servers.get(major);
        try (Connection holder = pg.connect(DB); Connection waiter = pg.connect(DB);
             SnapshotCollector collector = new SnapshotCollector(target(pg, DB), catalog, Clock.systemUTC())) {
            String table = ident(holder, SCHEMA) + "." + ident(holder, TABLE);
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            }
            int holderPid = holder.unwrap(PGConnection.class).getBackendPID();
            int waiterPid = waiter.unwrap(PGConnection.class).getBackendPID();
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                try (Statement st = waiter.createStatement()) {
                    st.executeQuery("SELECT count(*) FROM " + table).close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                PgSnapshot[] last = new PgSnapshot[1];
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    last[0] = collector.collect();
                    assertThat(last[0].getLocks().getBlockedBackends()).isGreaterThanOrEqualTo(1);
                });
                BlockingPair pair = last[0].getLocks().getBlockingPairs().stream()
                        .filter(p -> p.getBlockedPid() == waiterPid).findFirst().orElseThrow();
                assertThat(pair.getBlockingPid()).isEqualTo(holderPid);
                assertThat(pair.getLockMode()).isEqualTo("AccessShareLock");
                assertThat(pair.getRelation()).isEqualTo(SCHEMA + "." + TABLE);
                assertThat(last[0].getActivity().getWaitingOnLock()).isGreaterThanOrEqualTo(1);
            } finally {
                holder.rollback();
                blocked.get();
            }
        }
    }
}
