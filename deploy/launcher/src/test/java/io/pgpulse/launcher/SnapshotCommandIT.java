package io.pgpulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.embedded.EmbeddedPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code pgpulse snapshot URL} against real PostgreSQL 13 and 18: one snapshot, as JSON, on stdout. */
class SnapshotCommandIT {

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 18})
    void printsOneSnapshotAsJson(int major) throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(major)) {
            pg.createDatabase("shop");
            try (Connection conn = pg.connect("shop"); Statement st = conn.createStatement()) {
                st.execute("CREATE TABLE \"order items\" (id int PRIMARY KEY)");
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(new Pgpulse());
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            int exit = cli.execute("snapshot", pg.jdbcUrl("shop"), "--user", pg.user(), "--cluster", "pg-debug");

            assertThat(exit).as("stderr: %s", err).isZero();
            JsonNode json = new ObjectMapper().readTree(out.toString());
            assertThat(json.get("source_id").asText()).isEqualTo("pg-debug/shop");
            assertThat(json.get("up").asBoolean()).isTrue();
            assertThat(json.get("server").get("version_num").asInt() / 10000).isEqualTo(major);
            assertThat(json.get("collected_at").asText()).endsWith("Z");
            assertThat(json.get("tables").findValuesAsText("name")).contains("order items");
            assertThat(json.get("statements").isNull()).isTrue();
            assertThat(json.get("group_errors").get("statements").asText()).contains("pg_stat_statements");
            assertThat(json.get("settings").get("max_connections").asText()).isEqualTo("100");
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {18})
    void unreachableDatabasePrintsTheErrorAndExitsOne(int major) throws Exception {
        int port;
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(major)) {
            port = pg.port();
        }
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Pgpulse());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        int exit = cli.execute("snapshot", "jdbc:postgresql://127.0.0.1:" + port + "/postgres");
        assertThat(exit).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("up").asBoolean()).isFalse();
        assertThat(json.get("error").get("error_class").asText()).isEqualTo("connection");
        assertThat(json.get("error").get("sqlstate").asText()).startsWith("08");
    }
}
