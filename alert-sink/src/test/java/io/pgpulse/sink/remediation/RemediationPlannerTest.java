package io.pgpulse.sink.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.avro.Severity;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.MaintenanceWindow;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.schemas.config.ConfigException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RemediationPlannerTest {

    private static final SigningKeys KEYS = SigningKeys.parse(SigningKeys.generate("sink"));
    private static final Instant NOON = Instant.parse("2026-11-25T12:00:00Z"); // a Wednesday

    private static Alert alert(String rule, AlertStatus status, String schema, String table, String env) {
        return Alert.newBuilder()
                .setFingerprint(rule + "/" + schema + "." + table).setRule(rule).setStatus(status)
                .setSeverity(Severity.WARNING).setSourceId("pg-01/app")
                .setObject(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName(schema).setName(table).setOid(42).build())
                .setValue(0.5).setThreshold(0.2).setStartsAt(NOON.minusSeconds(60)).setEventAt(NOON)
                .setSummary(table + " is bloated").setLabels(Map.of("env", env)).build();
    }

    private static RemediationPlanner planner(RemediationPolicy policy, AtomicBoolean paused, Instant now) {
        return new RemediationPlanner(policy, KEYS, paused::get, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void firingBloatBecomesASignedVacuumWithAStableId() {
        RemediationPlanner planner = planner(RemediationPolicy.defaults(false), new AtomicBoolean(), NOON);
        MaintenanceCommand command = planner.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "events", "prod")).orElseThrow();
        assertThat(command.getAction()).isEqualTo(MaintenanceAction.VACUUM_ANALYZE);
        assertThat(command.getTarget().getName()).isEqualTo("events");
        assertThat(command.getExpiresAt()).isEqualTo(NOON.plus(Duration.ofMinutes(15)));
        assertThat(CommandSignature.problem(command, KEYS)).isEmpty();
        RemediationPlanner again = planner(RemediationPolicy.defaults(false), new AtomicBoolean(), NOON.plusSeconds(5));
        assertThat(again.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "events", "prod")).orElseThrow().getCommandId())
                .as("the same incident planned twice gets the same id, so the executor refuses the second")
                .isEqualTo(command.getCommandId());
        assertThat(planner.onAlert(alert("cache_hit_ratio_low", AlertStatus.FIRING, "public", "events", "prod"))).isEmpty();
    }

    @Test
    void heldWhilePausedOrOutsideTheWindowThenIssuedWhenAllowed() {
        AtomicBoolean paused = new AtomicBoolean(true);
        RemediationPlanner planner = planner(RemediationPolicy.defaults(false), paused, NOON);
        assertThat(planner.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "events", "prod"))).isEmpty();
        assertThat(planner.heldReasons()).containsValue("remediation is paused fleet-wide");
        paused.set(false);
        assertThat(planner.due()).hasSize(1);
        assertThat(planner.due()).isEmpty();

        RemediationPolicy nightly = new RemediationPolicy(RemediationPolicy.defaults(false).entries(),
                List.of(MaintenanceWindow.parse("daily 01:00-05:00 UTC")), Duration.ofMinutes(10), Duration.ofMinutes(15), false);
        RemediationPlanner atNoon = planner(nightly, new AtomicBoolean(), NOON);
        assertThat(atNoon.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "events", "prod"))).isEmpty();
        assertThat(atNoon.heldReasons().values()).anySatisfy(r -> assertThat(r).startsWith("outside the maintenance windows"));
        RemediationPlanner atNight = planner(nightly, new AtomicBoolean(), Instant.parse("2026-11-26T02:00:00Z"));
        assertThat(atNight.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "events", "prod"))).isPresent();
        // A resolved alert is no longer held.
        atNoon.onAlert(alert("table_bloat", AlertStatus.RESOLVED, "public", "events", "prod"));
        assertThat(atNoon.heldReasons()).isEmpty();
    }

    @Test
    void rateLimitTagSelectorAndExclusions() throws Exception {
        RemediationPolicy policy = new RemediationPolicy(List.of(new RemediationPolicy.Entry("table_bloat",
                MaintenanceAction.VACUUM_ANALYZE, Map.of("env", "prod"), List.of("audit.*"))), List.of(),
                Duration.ofMinutes(10), Duration.ofMinutes(15), true);
        RemediationPlanner planner = planner(policy, new AtomicBoolean(), NOON);
        assertThat(planner.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "a", "staging"))).as("tag selector").isEmpty();
        assertThat(planner.onAlert(alert("table_bloat", AlertStatus.FIRING, "audit", "log", "prod"))).as("excluded").isEmpty();
        Optional<MaintenanceCommand> first = planner.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "a", "prod"));
        assertThat(first).isPresent();
        assertThat(first.get().getDryRun()).isTrue();
        assertThat(planner.onAlert(alert("table_bloat", AlertStatus.FIRING, "public", "b", "prod"))).as("rate limit").isEmpty();
        assertThat(planner.heldReasons().values()).anySatisfy(r -> assertThat(r).startsWith("rate limit"));
    }

    @Test
    void shippedSampleLoadsAndBadPoliciesNameTheLine() throws Exception {
        RemediationPolicy sample = RemediationPolicy.load(Path.of("..", "deploy", "remediation.sample.yaml"), true);
        assertThat(sample.entries()).extracting(RemediationPolicy.Entry::rule).containsExactly("table_bloat", "stale_statistics");
        assertThat(sample.windows()).hasSize(2);
        assertThat(sample.dryRun()).isTrue();
        assertThatThrownBy(() -> RemediationPolicy.load(fixture("unknown-action.bad.yaml"), true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown-action.bad.yaml:3: actions[0].action: expected one of vacuum_analyze, analyze, reindex_index_concurrently, found vacuum_full");
        assertThatThrownBy(() -> RemediationPolicy.load(fixture("bad-window.bad.yaml"), true))
                .hasMessageContaining("bad-window.bad.yaml:2: windows[0]: expected days like mon");
        assertThatThrownBy(() -> RemediationPolicy.load(fixture("unknown-key.bad.yaml"), true))
                .hasMessageContaining("unknown-key.bad.yaml:4: actions[0].max_size: unknown key");
        assertThat(sample.retention()).singleElement().satisfies(r -> {
            assertThat(r.schema()).isEqualTo("public");
            assertThat(r.table()).isEqualTo("audit_logs");
            assertThat(r.timestampColumn()).isEqualTo("created_at");
            assertThat(r.keep()).isEqualTo(Duration.ofDays(90));
            assertThat(r.batchRows()).isEqualTo(5000);
            assertThat(r.tags()).containsEntry("env", "prod");
        });
        assertThatThrownBy(() -> RemediationPolicy.load(fixture("retention-too-short.bad.yaml"), true))
                .hasMessageContaining("retention-too-short.bad.yaml:4: retention[0].keep: expected at least 1d");
        assertThatThrownBy(() -> RemediationPolicy.load(fixture("retention-as-action.bad.yaml"), true))
                .hasMessageContaining("retention-as-action.bad.yaml:3: actions[0].action: retention_delete runs on a schedule");
        assertThatThrownBy(() -> RemediationPolicy.load(fixture("retention-bad-table.bad.yaml"), true))
                .hasMessageContaining("retention-bad-table.bad.yaml:2: retention[0].table: expected schema.table")
                .hasMessageContaining("retention-bad-table.bad.yaml:5: retention[0].batch_rows: expected a whole number from 1 to 100000");
    }

    private static Path fixture(String name) throws Exception {
        return Path.of(RemediationPlannerTest.class.getResource("/remediation/" + name).toURI());
    }
}
