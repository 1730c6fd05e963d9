package io.pgpulse.collector.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.PgBouncerDatabaseStats;
import io.pgpulse.avro.PgBouncerPool;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.ReplicaStats;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.testing.PgBouncerProcess;
import io.pgpulse.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replication as both ends see it (a primary and a streaming hot standby, PostgreSQL 18),
 * and a real PgBouncer's admin console in front of the primary: SHOW POOLS and SHOW STATS
 * into the pgbouncer section.
 */
class ReplicationAndPgBouncerIT {

    private static EmbeddedPostgres primary;
    private static EmbeddedPostgres standby;
    private static PgBouncerProcess bouncer;
    private static final MetricCatalog catalog = MetricCatalog.defaults();

    @BeforeAll
    static void start() throws Exception {
        primary = EmbeddedPostgres.start(18);
        primary.createDatabase("app");
        try (Connection conn = primary.connect("app"); Statement st = conn.createStatement()) {
            st.execute("CREATE EXTENSION pg_stat_statements");
            st.execute("CREATE TABLE t (id int)");
        }
        standby = primary.startStandby("standby_1");
        bouncer = PgBouncerProcess.start(primary.port(), "app");
    }

    @AfterAll
    static void stop() throws Exception {
        if (bouncer != null) {
            bouncer.close();
        }
        if (standby != null) {
            standby.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    private static PgSnapshot snapshot(String cluster, String url) {
        TargetConfig target = new TargetConfig(cluster, url, EmbeddedPostgres.SUPERUSER, null, Duration.ofSeconds(10), Map.of());
        try (SnapshotCollector collector = new SnapshotCollector(target, catalog, Clock.systemUTC())) {
            return collector.collect();
        }
    }

    @Test
    void primaryListsItsStandbyAndTheStandbyReportsItsReplayLag() throws Exception {
        try (Connection conn = primary.connect("app"); Statement st = conn.createStatement()) {
            st.execute("INSERT INTO t SELECT generate_series(1, 1000)");
        }
        PgSnapshot[] onPrimary = new PgSnapshot[1];
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            onPrimary[0] = snapshot("pg-primary", primary.jdbcUrl("app"));
            assertThat(onPrimary[0].getReplication().getReplicas()).extracting(ReplicaStats::getState).contains("streaming");
        });
        ReplicaStats replica = onPrimary[0].getReplication().getReplicas().get(0);
        assertThat(replica.getApplicationName()).isEqualTo("standby_1");
        assertThat(replica.getSyncState()).isEqualTo("async");
        assertThat(replica.getReplayLagBytes()).isNotNull().isNotNegative();
        assertThat(onPrimary[0].getReplication().getIsStandby()).isFalse();
        assertThat(onPrimary[0].getReplication().getStandbyReplayLagS()).isNull();

        PgSnapshot[] onStandby = new PgSnapshot[1];
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            onStandby[0] = snapshot("pg-standby", standby.jdbcUrl("app"));
            assertThat(onStandby[0].getUp()).as("error %s", onStandby[0].getError()).isTrue();
            assertThat(onStandby[0].getReplication().getStandbyReplayLagS()).isNotNull();
        });
        assertThat(onStandby[0].getServer().getInRecovery()).isTrue();
        assertThat(onStandby[0].getReplication().getIsStandby()).isTrue();
        assertThat(onStandby[0].getReplication().getStandbyReplayLagS()).isNotNegative();
        assertThat(onStandby[0].getGroupErrors()).isEmpty();
        assertThat(onStandby[0].getTables()).extracting(s -> s.getName()).contains("t");
    }

    @Test
    void pgbouncerAdminConsoleFillsPoolsAndStats() throws Exception {
        Properties props = new Properties();
        props.setProperty("user", EmbeddedPostgres.SUPERUSER);
        // Transaction pooling: no server-side prepared statements across transactions.
        props.setProperty("prepareThreshold", "0");
        try (Connection app = DriverManager.getConnection(bouncer.url("app"), props); Statement st = app.createStatement()) {
            for (int i = 0; i < 20; i++) {
                st.executeQuery("SELECT count(*) FROM t").close();
            }
        }
        PgSnapshot[] last = new PgSnapshot[1];
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            last[0] = snapshot("bouncer-1", bouncer.adminUrl());
            assertThat(last[0].getUp()).as("error %s", last[0].getError()).isTrue();
            assertThat(last[0].getPgbouncer().getDatabases()).filteredOn(d -> d.getDatabase().equals("app"))
                    .singleElement().satisfies(d -> assertThat(d.getTotalQueryCount()).isGreaterThanOrEqualTo(20));
        });
        PgSnapshot snapshot = last[0];
        assertThat(snapshot.getGroupsCollected()).containsExactly("pgbouncer");
        assertThat(snapshot.getGroupErrors()).isEmpty();
        assertThat(snapshot.getServer()).isNull();
        PgBouncerPool pool = snapshot.getPgbouncer().getPools().stream().filter(p -> p.getDatabase().equals("app"))
                .findFirst().orElseThrow();
        assertThat(pool.getUser()).isEqualTo("postgres");
        assertThat(pool.getPoolMode()).isEqualTo("transaction");
        assertThat(pool.getMaxwaitS()).isNotNegative();
        PgBouncerDatabaseStats stats = snapshot.getPgbouncer().getDatabases().stream()
                .filter(d -> d.getDatabase().equals("app")).findFirst().orElseThrow();
        assertThat(stats.getTotalXactCount()).isPositive();
        assertThat(stats.getTotalReceivedBytes()).isPositive();
        assertThat(stats.getTotalQueryTimeUs()).isPositive();
    }
}
