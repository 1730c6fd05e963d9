package io.pgpulse.processor.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.avro.Severity;
import io.pgpulse.schemas.config.ConfigException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RuleSetTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(RuleSetTest.class.getResource("/rules/" + name).toURI());
    }

    @Test
    void builtInRulesLoadAndCoverTheGuidesTargets() {
        RuleSet rules = RuleSet.defaults();
        assertThat(rules.rules()).extracting(Rule::name)
                .contains("database_down", "cache_hit_ratio_low", "connection_utilization_high", "table_bloat");
        Rule bloat = rules.rules().stream().filter(r -> r.name().equals("table_bloat")).findFirst().orElseThrow();
        assertThat(bloat.scope()).isEqualTo(Scope.TABLE);
        assertThat(bloat.when().terms()).extracting(Comparison::toString)
                .containsExactly("table.dead_tuple_ratio > 0.2", "table.n_dead_tup > 1000.0");
    }

    @Test
    void goodFileLoadsEveryField() throws Exception {
        Rule rule = RuleSet.load(fixture("minimal.good.yaml")).rules().get(0);
        assertThat(rule.name()).isEqualTo("stale_statistics");
        assertThat(rule.forDuration()).isEqualTo(Duration.ofMinutes(5));
        assertThat(rule.severity()).isEqualTo(Severity.INFO);
        assertThat(rule.resolve()).isNull();
        assertThat(rule.runbook()).isEqualTo("ANALYZE the table.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown-metric.bad.yaml   | unknown-metric.bad.yaml:5: groups[0].rules[0].expr: rule \"bloat\": unknown metric table.dead_ratio",
            "bad-expression.bad.yaml   | bad-expression.bad.yaml:5: groups[0].rules[0].expr: rule \"bloat\": expected '<scope>.<metric> <op> <number>'",
            "unknown-key.bad.yaml      | unknown-key.bad.yaml:6: groups[0].rules[0].labels: unknown key; expected one of alert, expr",
            "duplicate-name.bad.yaml   | duplicate-name.bad.yaml:8: groups[0].rules[1]: rule \"bloat\": expected a unique name",
            "mixed-scope.bad.yaml      | mixed-scope.bad.yaml:5: groups[0].rules[0].expr: rule \"bloat\": all terms must be of one scope",
            "bad-duration.bad.yaml     | bad-duration.bad.yaml:6: groups[0].rules[0].for: expected a duration like 500ms",
            "bad-severity.bad.yaml     | bad-severity.bad.yaml:4: groups[0].rules[0]: rule \"bloat\": severity: expected info, warning or critical, found urgent",
            "missing-summary.bad.yaml  | missing-summary.bad.yaml:4: groups[0].rules[0]: summary: required but missing",
            "not-yaml.bad.yaml         | not-yaml.bad.yaml:4:",
    })
    void badFileIsRefusedNamingFileLineAndField(String file, String expected) throws Exception {
        Path path = fixture(file);
        assertThatThrownBy(() -> RuleSet.load(path))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p.replace(path.getParent() + "/", "")).startsWith(expected)));
    }
}
