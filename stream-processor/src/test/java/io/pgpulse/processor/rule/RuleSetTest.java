package io.pgpulse.processor.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.avro.Severity;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.metrics.Scope;
import io.pgpulse.schemas.config.ConfigException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RuleSetTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(RuleSetTest.class.getResource("/rules/" + name).toURI());
    }

    private static Rule rule(RuleSet rules, String name) {
        return rules.rules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void builtInRulesLoadAndAreTheDesignsTable() {
        RuleSet rules = RuleSet.defaults();
        assertThat(rules.rules()).extracting(Rule::name).containsExactly(
                "database_down", "source_silent",
                "cache_hit_ratio_low", "index_hit_ratio_low", "connection_utilization_high", "xid_wraparound",
                "statement_latency_p95_high", "slow_statements",
                "table_bloat", "stale_statistics",
                "index_bloat", "unused_index",
                "lock_waits", "long_transaction", "idle_in_transaction",
                "replication_lag", "wal_archiving_failing", "checkpoints_forced");
        Rule bloat = rule(rules, "table_bloat");
        assertThat(bloat.scope()).isEqualTo(Scope.TABLE);
        assertThat(bloat.window()).isEqualTo(MetricsFrame.Kind.SNAPSHOT);
        assertThat(bloat.when().terms()).extracting(Comparison::toString)
                .containsExactly("table.dead_tuple_ratio > 0.2", "table.n_dead_tup > 1000.0");
        assertThat(rule(rules, "cache_hit_ratio_low").window()).isEqualTo(MetricsFrame.Kind.TUMBLING);
        assertThat(rule(rules, "wal_archiving_failing").window()).isEqualTo(MetricsFrame.Kind.HOPPING);
        assertThat(rule(rules, "lock_waits").forDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(rule(rules, "xid_wraparound").severity()).isEqualTo(Severity.CRITICAL);
        assertThat(rule(rules, "source_silent").isSilenceRule()).isTrue();
        assertThat(rules.rules()).allSatisfy(r -> assertThat(r.runbook().text()).isNotBlank());
    }

    @Test
    void goodFileLoadsEveryField() throws Exception {
        Rule rule = RuleSet.load(fixture("minimal.good.yaml")).rules().get(0);
        assertThat(rule.name()).isEqualTo("stale_statistics");
        assertThat(rule.forDuration()).isEqualTo(Duration.ofMinutes(5));
        assertThat(rule.severity()).isEqualTo(Severity.INFO);
        assertThat(rule.resolve()).isNull();
        assertThat(rule.window()).isEqualTo(MetricsFrame.Kind.SNAPSHOT);
        assertThat(rule.runbook().text()).isEqualTo("ANALYZE the table.");
    }

    @Test
    void selectorsLabelsAnnotationsAndOverridesLoad() throws Exception {
        RuleSet rules = RuleSet.load(fixture("full.good.yaml"));
        Rule bloat = rule(rules, "table_bloat");
        assertThat(bloat.selector().matchesSource("pg-prod/app", Map.of("env", "test"))).isTrue();
        assertThat(bloat.selector().matchesSource("pg-prod/app", Map.of("env", "prod"))).isFalse();
        assertThat(bloat.selector().matchesSource("pg-dev/app", Map.of("env", "test"))).isFalse();
        assertThat(bloat.labels().get("team").render(Map.of(), Map.of("env", "test"))).isEqualTo("dba-test");
        assertThat(bloat.annotations()).containsOnlyKeys("dashboard");
        assertThat(bloat.overrides()).hasSize(2);

        Rule payments = bloat.forTags(Map.of("env", "test", "team", "payments"));
        assertThat(payments.when().headline().threshold()).isEqualTo(0.4);
        assertThat(payments.when().terms().get(1).threshold()).isEqualTo(1000);
        assertThat(payments.forDuration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(payments.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(bloat.forTags(Map.of("env", "staging"))).as("turned off for staging").isNull();
        assertThat(bloat.forTags(Map.of("env", "test"))).isSameAs(bloat);
        assertThat(rule(rules, "cache_by_window").window()).isEqualTo(MetricsFrame.Kind.TUMBLING);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown-metric.bad.yaml   | unknown-metric.bad.yaml:5: groups[0].rules[0].expr: rule \"bloat\": unknown metric table.dead_ratio",
            "bad-expression.bad.yaml   | bad-expression.bad.yaml:5: groups[0].rules[0].expr: rule \"bloat\": expected '<record>.<metric> <op> <number>'",
            "unknown-key.bad.yaml      | unknown-key.bad.yaml:6: groups[0].rules[0].descripton: unknown key; expected one of alert, expr",
            "duplicate-name.bad.yaml   | duplicate-name.bad.yaml:9: groups[0].rules[1]: rule \"bloat\": expected a unique name",
            "mixed-scope.bad.yaml      | mixed-scope.bad.yaml:5: groups[0].rules[0].expr: rule \"bloat\": all terms must be of one scope",
            "bad-duration.bad.yaml     | bad-duration.bad.yaml:6: groups[0].rules[0].for: expected a duration like 500ms",
            "bad-severity.bad.yaml     | bad-severity.bad.yaml:4: groups[0].rules[0]: rule \"bloat\": severity: expected info, warning or critical, found urgent",
            "missing-summary.bad.yaml  | missing-summary.bad.yaml:7: groups[0].rules[0].annotations: summary: required but missing",
            "not-yaml.bad.yaml         | not-yaml.bad.yaml:4:",
            "unknown-placeholder.bad.yaml | unknown-placeholder.bad.yaml:7: groups[0].rules[0].annotations.summary: rule \"bloat\": unknown placeholder {{table}}",
            "bad-window.bad.yaml       | bad-window.bad.yaml:6: groups[0].rules[0].window: rule \"cache\": expected snapshot, tumbling or hopping, found sliding",
            "bad-selector.bad.yaml     | bad-selector.bad.yaml:7: groups[0].rules[0].select.source: rule \"bloat\": expected a regular expression, found 'pg-(prod'",
            "override-without-tags.bad.yaml | override-without-tags.bad.yaml:7: groups[0].rules[0].overrides[0]: rule \"connections\": tags: required but missing",
            "override-other-scope.bad.yaml  | override-other-scope.bad.yaml:8: groups[0].rules[0].overrides[0].expr: rule \"connections\": expected metrics of scope database, found table",
            "silence-on-window.bad.yaml     | silence-on-window.bad.yaml:6: groups[0].rules[0].window: rule \"silent\": expected snapshot for a rule on source.silent_intervals",
            "object-pattern-on-database.bad.yaml | object-pattern-on-database.bad.yaml:7: groups[0].rules[0].select.object: rule \"connections\": expected no object pattern for a rule of scope database",
    })
    void badFileIsRefusedNamingFileLineAndField(String file, String expected) throws Exception {
        Path path = fixture(file);
        assertThatThrownBy(() -> RuleSet.load(path))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p.replace(path.getParent() + "/", "")).startsWith(expected)));
    }
}
