package io.pgpulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.launcher.config.PgpulseConfig;
import io.pgpulse.registry.SchemaRegistryServer;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.sink.AlertSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.core.Utils;

/**
 * A table whose schema and name would break any SQL built by pasting goes through
 * the whole loop: alert, signed command, VACUUM of exactly that table, result,
 * resolution; the table its name mentions is untouched.
 */
class HostileNamesLoopIT {

    private static final String SCHEMA = "tenant \"one\".é";
    /** Quotes, a semicolon, spaces, unicode; 63 bytes, PostgreSQL's limit. */
    private static final String TABLE = "ev\"ents; DROP TABLE users; -- ünïcødé " + "x".repeat(21);

    @TempDir
    Path stateDir;

    @Test
    void hostileTableGoesThroughTheWholeLoop() throws Exception {
        assertThat(TABLE.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(63);
        SigningKeys keys = SigningKeys.parse(SigningKeys.generate("hostile-it"));
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        List<CommandResult> results = new CopyOnWriteArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             SchemaRegistryServer registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0);
             EmbeddedPostgres postgres = EmbeddedPostgres.start(18)) {
            postgres.createDatabase("app");
            String qualified = ident(SCHEMA) + "." + ident(TABLE);
            try (Connection conn = postgres.connect("app"); Statement st = conn.createStatement()) {
                st.execute("CREATE TABLE users (id int PRIMARY KEY)");
                st.execute("CREATE SCHEMA " + ident(SCHEMA));
                st.execute("CREATE TABLE " + qualified + " (id int, note text) WITH (autovacuum_enabled = false)");
                st.execute("INSERT INTO " + qualified + " SELECT i, 'x' FROM generate_series(1, 10000) i");
                st.execute("UPDATE " + qualified + " SET note = 'y' WHERE id % 2 = 0");
            }
            TargetConfig target = new TargetConfig("pg-hostile", postgres.jdbcUrl("app"), postgres.user(), null,
                    Duration.ofSeconds(1), Map.of());
            PgpulseConfig config = new PgpulseConfig(
                    new PgpulseConfig.Kafka(kafka.bootstrapServers(), registry.url(), Topics.defaults()), List.of(target),
                    new PgpulseConfig.Processor(Duration.ofSeconds(5), Duration.ofSeconds(1), null, stateDir),
                    PgpulseConfig.Sink.webhookOnly(null, null),
                    new PgpulseConfig.Remediation(true, false, null, keys, ExecutorPolicy.defaults(keys)));
            try (PgpulseServices services = PgpulseServices.start(config, kafka.bootstrapServers(), registry.url(), "hostile",
                    new PgpulseServices.Listeners(new CollectorAgent.Listener(s -> { }, results::add),
                            new AlertSink.Listener(alerts::add, c -> { })))) {
                await().atMost(Duration.ofMinutes(3)).until(() -> alerts.stream().anyMatch(
                        a -> isOurs(a) && a.getStatus() == AlertStatus.RESOLVED));
            }
            Alert firing = alerts.stream().filter(a -> isOurs(a) && a.getStatus() == AlertStatus.FIRING).findFirst().orElseThrow();
            assertThat(firing.getObject().getSchemaName()).isEqualTo(SCHEMA);
            assertThat(firing.getObject().getName()).isEqualTo(TABLE);
            CommandResult done = results.stream().filter(r -> r.getOutcome() == CommandOutcome.DONE).findFirst().orElseThrow();
            assertThat(done.getTarget().getName()).isEqualTo(TABLE);
            assertThat(done.getStatement()).isEqualTo("VACUUM (ANALYZE) " + qualified);
            assertThat(done.getAfter().getNDeadTup()).isZero();
            try (Connection conn = postgres.connect("app"); PreparedStatement ps = conn.prepareStatement(
                    "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?")) {
                ps.setString(1, SCHEMA);
                ps.setString(2, TABLE);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBoolean(1)).as("last_vacuum of the hostile table").isTrue();
                }
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM users")) {
                    assertThat(rs.next()).as("users still exists").isTrue();
                }
            }
        }
    }

    private static boolean isOurs(Alert alert) {
        return alert.getRule().equals("table_bloat") && alert.getObject() != null && TABLE.equals(alert.getObject().getName());
    }

    private static String ident(String name) throws Exception {
        return Utils.escapeIdentifier(new StringBuilder(), name).toString();
    }
}
