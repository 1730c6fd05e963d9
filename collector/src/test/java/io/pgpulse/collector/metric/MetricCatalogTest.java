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
                .containsExactly("server", "database", "tables", "indexes", "activity", "locks", "statements",
                        "checkpointer", "wal", "archiver", "replication", "io", "settings", "table_sizes",
                        "index_sizes", "pgbouncer");
        for (MetricGroup group : catalog.groups()) {
            if (group.console() == MetricGroup.Console.PGBOUNCER) {
                assertThat(group.runsOn(1)).as(group.name()).isTrue();
                continue;
            }
            assertThat(group.runsOn(18)).as(group.name()).isTrue();
            for (MetricQuery query : group.queries()) {
                query.sqls().values().forEach(sql -> assertThat(sql).as(group.name()).startsWith("/* pgpulse */"));
            }
        }
        assertThat(catalog.group("wal").runsOn(13)).isFalse();
        assertThat(catalog.group("io").runsOn(15)).isFalse();
        assertThat(catalog.group("checkpointer").sqlFor(16).orElseThrow()).contains("pg_stat_bgwriter")
                .doesNotContain("pg_stat_checkpointer");
        assertThat(catalog.group("checkpointer").sqlFor(17).orElseThrow()).contains("pg_stat_checkpointer");
        assertThat(catalog.group("activity").everySnapshot()).isTrue();
        assertThat(catalog.group("locks").everySnapshot()).isTrue();
        assertThat(catalog.group("table_sizes").interval()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(catalog.group("settings").interval()).isEqualTo(java.time.Duration.ofMinutes(5));
    }

    @Test
    void highestVersionKeyNotAboveTheServerWins() {
        String yaml = """
                groups:
                  - name: database
                    section: server
                    description: test
                    interval: 0s
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
                    interval: often
                    shape: many
                    columns: {version_num: gauge, max_connections: sum, nonsense: gauge}
                    sqls:
                      13: SELECT 1
                """;
        assertThatThrownBy(() -> load(yaml))
                .hasMessageContaining("interval: expected a duration such as 0s (every snapshot), 30s or 5m, found often")
                .hasMessageContaining("shape: expected one_row, rows or map, found many")
                .hasMessageContaining("column max_connections: expected label, counter, gauge or time, found sum")
                .hasMessageContaining("columns: ServerInfo.postmaster_start_time is required by the schema but not declared")
                .hasMessageContaining("columns: nonsense is not a field of ServerInfo")
                .hasMessageContaining("sqls.13: query must start with /* pgpulse */");
    }

    @Test
    void shapeMustFitTheSectionAndPartsMustNameFields() {
        String yaml = """
                groups:
                  - name: locks
                    section: locks
                    description: test
                    interval: 0s
                    shape: rows
                    columns: {blocked_backends: gauge}
                    sqls: {13: /* pgpulse */ SELECT 1}
                    parts:
                      - field: no_such_field
                        shape: rows
                        columns: {x: gauge}
                        sqls: {13: /* pgpulse */ SELECT 1}
                      - field: held_by_mode
                        shape: map
                        columns: {mode: gauge, held: gauge}
                        sqls: {13: /* pgpulse */ SELECT 1}
                """;
        assertThatThrownBy(() -> load(yaml))
                .hasMessageContaining("group \"locks\": shape: section is a record, so the shape must be one_row, found rows")
                .hasMessageContaining("parts.no_such_field: field: not a field of LockSummary")
                .hasMessageContaining("parts.held_by_mode: columns: a map's first column is its key and must be a label");
    }

    @Test
    void fromSumsScaledColumns() {
        String yaml = """
                groups:
                  - name: pgbouncer
                    section: pgbouncer
                    description: test
                    interval: 0s
                    console: pgbouncer
                    parts:
                      - field: pools
                        shape: rows
                        columns:
                          database: label
                          user: label
                          cl_active: gauge
                          cl_waiting: gauge
                          sv_active: gauge
                          sv_idle: gauge
                          sv_used: gauge
                          maxwait_s: {kind: gauge, from: "maxwait + maxwait_us / 1000000"}
                          pool_mode: label
                        sqls: {1: SHOW POOLS}
                """;
        MetricQuery pools = load(yaml).groups().get(0).queries().get(0);
        assertThat(pools.columns().get("maxwait_s").from()).containsExactly(
                new MetricQuery.Term("maxwait", 1), new MetricQuery.Term("maxwait_us", 1e-6));
        assertThat(pools.sourceColumns()).contains("maxwait", "maxwait_us").doesNotContain("maxwait_s");
    }

    private static MetricCatalog load(String yaml) {
        try {
            return MetricCatalog.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
