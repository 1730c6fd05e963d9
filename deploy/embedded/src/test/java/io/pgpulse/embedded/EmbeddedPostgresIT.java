package io.pgpulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmbeddedPostgresIT {

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {18, 13})
    void startsQueriesStopsStartsAgainAndCleansUp(int major) throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.start(major);
        Path dataDirectory = postgres.dataDirectory();
        try {
            assertThat(postgres.majorVersion()).isEqualTo(major);
            assertThat(postgres.user()).isEqualTo("postgres");
            assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/postgres");
            assertThat(queryInt(postgres, "postgres", "SELECT 1")).isEqualTo(1);
            assertThat(queryInt(postgres, "postgres", "SELECT current_setting('server_version_num')::int") / 10000)
                    .isEqualTo(major);
            queryInt(postgres, "postgres", "SELECT count(*) FROM pg_stat_statements");
            assertThat(queryInt(postgres, "postgres",
                    "SELECT count(*) FROM pg_stat_statements WHERE query LIKE 'SELECT count(*) FROM pg_stat_statements%'"))
                    .isPositive();

            int port = postgres.port();
            postgres.stop();
            assertThat(postgres.isRunning()).isFalse();
            assertThatThrownBy(() -> postgres.connect("postgres")).isInstanceOf(SQLException.class);

            postgres.start();
            assertThat(postgres.isRunning()).isTrue();
            assertThat(postgres.port()).isEqualTo(port);
            assertThat(queryInt(postgres, "postgres", "SELECT 1")).isEqualTo(1);
        } finally {
            List<ProcessHandle> serverProcesses = serverProcesses(dataDirectory);
            assertThat(serverProcesses).isNotEmpty();
            postgres.close();
            postgres.close();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> serverProcesses.stream().noneMatch(ProcessHandle::isAlive));
            assertThat(serverProcesses(dataDirectory)).isEmpty();
            assertThat(Files.exists(dataDirectory)).isFalse();
        }
    }

    @Test
    void createsDatabasesWithAwkwardNamesAndAppliesCallerSettings() throws Exception {
        PostgresOptions options = PostgresOptions.of(18)
                .withSetting("max_connections", "42")
                .withSetting("application_name", "it's quoted");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(options)) {
            postgres.createDatabase("odd \"name\"; DROP DATABASE postgres");
            assertThat(queryInt(postgres, "odd \"name\"; DROP DATABASE postgres", "SELECT 1")).isEqualTo(1);
            assertThat(queryInt(postgres, "postgres", "SELECT current_setting('max_connections')::int")).isEqualTo(42);

            postgres.restart();
            assertThat(queryInt(postgres, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'odd%'"))
                    .isEqualTo(1);
        }
    }

    /** The postmaster and its backends: the postmaster's command line names the data directory. */
    private static List<ProcessHandle> serverProcesses(Path dataDirectory) {
        String marker = dataDirectory.toString();
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().map(line -> line.contains(marker)).orElse(false))
                .flatMap(process -> Stream.concat(
                        Stream.of(process), process.descendants()))
                .collect(Collectors.toList());
    }

    private static int queryInt(EmbeddedPostgres postgres, String database, String sql) throws SQLException {
        try (Connection connection = postgres.connect(database);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            assertThat(result.next()).isTrue();
            return result.getInt(1);
        }
    }

}
