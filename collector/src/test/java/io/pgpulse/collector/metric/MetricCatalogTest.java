package io.pgpulse.collector.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetricCatalogTest {

    @Test
    void shippedCatalogLoadsAndEveryQueryIsMarked() {
        MetricCatalog catalog = MetricCatalog.defaults();
        assertThat(catalog.groups()).extracting(MetricGroup::name)
                .containsExactly("server", "database", "tables", "table_sizes", "activity");
        for (MetricGroup group : catalog.groups()) {
            assertThat(group.sqlFor(13)).as(group.name()).isPresent();
            assertThat(group.sqlFor(18).orElseThrow()).startsWith("/* pgpulse */");
        }
    }

    @Test
    void highestVersionKeyNotAboveTheServerWins() {
        String yaml = """
                groups:
                  - name: database
                    section: server
                    description: test
                    shape: one_row
                    columns: {version_num: gauge, postmaster_start_time: time, max_connections: gauge}
                    sqls:
                      13: /* pgpulse */ SELECT 13
                      16: /* pgpulse */ SELECT 16
                """;
        MetricGroup group = load(yaml).groups().get(0);
        assertThat(group.sqlFor(13)).contains("/* pgpulse */ SELECT 13");
        assertThat(group.sqlFor(15)).contains("/* pgpulse */ SELECT 13");
        assertThat(group.sqlFor(16)).contains("/* pgpulse */ SELECT 16");
        assertThat(group.sqlFor(18)).contains("/* pgpulse */ SELECT 16");
        assertThat(group.sqlFor(12)).isEmpty();
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String yaml = """
                groups:
                  - name: broken
                    section: server
                    description: test
                    shape: many
                    columns: {version_num: gauge, max_connections: sum, nonsense: gauge}
                    sqls:
                      13: SELECT 1
                """;
        assertThatThrownBy(() -> load(yaml))
                .hasMessageContaining("shape: expected one_row or rows, found many")
                .hasMessageContaining("column max_connections: expected label, counter, gauge or time, found sum")
                .hasMessageContaining("columns: server.postmaster_start_time is required by the schema but not declared")
                .hasMessageContaining("columns: nonsense is not a field of ServerInfo")
                .hasMessageContaining("sqls.13: query must start with /* pgpulse */");
    }

    private static MetricCatalog load(String yaml) {
        try {
            return MetricCatalog.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
