package io.pgpulse.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.target.DiscoveryConfig;
import io.pgpulse.collector.target.SnapshotCollector;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * One agent, many targets: discovered databases of one cluster are picked up when
 * created and retired when dropped, all on a pool of two threads; a refused login is
 * reported as up=false with the authentication class and not retried at once; sslmode
 * reaches the driver.
 */
class AgentTargetsIT {

    private static final Topics TOPICS = new Topics("targets-it");
    private static final Duration INTERVAL = Duration.ofMillis(500);
    /** A database name only a quoting, URL-encoding collector gets right. */
    private static final String ODD_DB = "shop ü/?%";

    private static EmbeddedRuntime runtime;
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        runtime = EmbeddedRuntime.start();
        postgres = EmbeddedPostgres.start(18);
        for (String db : List.of("app_1", "app_2", ODD_DB, "other")) {
            postgres.createDatabase(db);
        }
        TopicProvisioner.ensure(runtime.bootstrapServers(), TOPICS, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void discoveredDatabasesArePickedUpAndRetiredOnABoundedPool() throws Exception {
        TargetConfig seed = new TargetConfig("pg-disc", postgres.jdbcUrl("postgres"), postgres.user(), null, INTERVAL,
                Map.of("team", "shop"));
        DiscoveryConfig discovery = new DiscoveryConfig(seed, null, Pattern.compile("other|postgres"), Duration.ofMillis(500));
        Map<String, PgSnapshot> latest = new ConcurrentHashMap<>();
        try (CollectorAgent agent = new CollectorAgent(runtime.bootstrapServers(), runtime.registryUrl(), TOPICS, List.of(),
                "targets-it", ExecutorPolicy.defaults(null),
                new CollectorAgent.Listener(s -> latest.put(s.getSourceId(), s), r -> { }),
                CollectorSettings.defaults().withThreads(2).withDiscoveries(List.of(discovery)))) {
            agent.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.watchedSources()
                    .equals(Set.of("pg-disc/app_1", "pg-disc/app_2", "pg-disc/" + ODD_DB)));
            await().atMost(Duration.ofSeconds(60)).until(() -> latest.keySet().containsAll(agent.watchedSources())
                    && agent.watchedSources().stream().allMatch(s -> latest.get(s).getUp()));
            assertThat(latest.get("pg-disc/" + ODD_DB).getDatabase()).isEqualTo(ODD_DB);
            assertThat(latest.get("pg-disc/app_1").getTags()).containsEntry("team", "shop");

            postgres.createDatabase("app_3");
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.watchedSources().contains("pg-disc/app_3"));
            await().atMost(Duration.ofSeconds(60)).until(() -> latest.containsKey("pg-disc/app_3")
                    && latest.get("pg-disc/app_3").getUp());

            try (Connection conn = postgres.connect("postgres"); Statement st = conn.createStatement()) {
                st.execute("DROP DATABASE " + conn.unwrap(PGConnection.class).escapeIdentifier("app_2") + " WITH (FORCE)");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> !agent.watchedSources().contains("pg-disc/app_2"));
            assertThat(agent.watchedSources()).contains("pg-disc/app_1", "pg-disc/app_3", "pg-disc/" + ODD_DB);
            await().atMost(Duration.ofSeconds(60)).until(() -> agent.publishedSnapshots() >= 8);
        }
    }

    @Test
    void refusedLoginIsReportedAsAuthenticationAndNotRetriedAtOnce() {
        TargetConfig target = new TargetConfig("pg-auth", postgres.jdbcUrl("app_1"), "no_such_role", "wrong", INTERVAL, Map.of());
        try (SnapshotCollector collector = new SnapshotCollector(target, MetricCatalog.defaults(), Clock.systemUTC())) {
            PgSnapshot first = collector.collect();
            assertThat(first.getUp()).isFalse();
            assertThat(first.getError().getErrorClass()).isEqualTo("authentication");
            assertThat(first.getError().getSqlstate()).startsWith("28");
            PgSnapshot second = collector.collect();
            assertThat(second.getUp()).isFalse();
            // Not retried at once: the second snapshot repeats the first one's error without a new attempt.
            assertThat(second.getError()).isEqualTo(first.getError());
        }
    }

    @Test
    void sslmodeReachesTheDriver() {
        TargetConfig target = new TargetConfig("pg-ssl", postgres.jdbcUrl("app_1"), postgres.user(), null, INTERVAL,
                Map.of(), "require", null);
        try (SnapshotCollector collector = new SnapshotCollector(target, MetricCatalog.defaults(), Clock.systemUTC())) {
            PgSnapshot snapshot = collector.collect();
            assertThat(snapshot.getUp()).isFalse();
            assertThat(snapshot.getError().getMessage()).containsIgnoringCase("SSL");
        }
        TargetConfig plain = new TargetConfig("pg-ssl", postgres.jdbcUrl("app_1"), postgres.user(), null, INTERVAL,
                Map.of(), "disable", null);
        try (SnapshotCollector collector = new SnapshotCollector(plain, MetricCatalog.defaults(), Clock.systemUTC())) {
            assertThat(collector.collect().getUp()).isTrue();
        }
    }
}
