package io.pgpulse.processor;

import static io.pgpulse.processor.SnapshotFixtures.POSTMASTER_START;
import static io.pgpulse.processor.SnapshotFixtures.SOURCE;
import static io.pgpulse.processor.SnapshotFixtures.START;
import static io.pgpulse.processor.SnapshotFixtures.snapshot;
import static io.pgpulse.processor.SnapshotFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.avro.Severity;
import io.pgpulse.processor.SnapshotFixtures.Db;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command results meet the incidents they were meant to fix: a resolution names the
 * fix and its effect, a failed or ineffective fix escalates once. Driven through the
 * production topology, results on the command-results topic keyed by command id.
 */
class RemediationFollowUpTopologyTest {

    private static final long OID = 16384;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path stateDir;

    private PipelineDriver pipeline;

    @BeforeEach
    void start() {
        pipeline = new PipelineDriver(new PipelineTopology.Settings(Duration.ofSeconds(10), Duration.ofSeconds(2), PATIENCE),
                stateDir);
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private static Instant at(int seconds) {
        return START.plusSeconds(seconds);
    }

    /**
     * One snapshot at {@code second} with {@code dead} dead tuples of 10,000 live. Snapshots at
     * 5, 15, 25, ... each close the window before the one they fall in (10 s windows, 2 s grace).
     */
    private void tableWith(int second, long dead) {
        pipeline.pipe(snapshot(at(second), POSTMASTER_START, new Db(second, 0, 100L * second),
                List.of(table("public", "security_events", OID, 10_000, 6_000, 10_000, dead))));
    }

    private static CommandResult result(String id, String fingerprint, CommandOutcome outcome, Instant finishedAt) {
        ObjectRef target = ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public")
                .setName("security_events").setOid(OID).build();
        return CommandResult.newBuilder()
                .setCommandId(id).setSourceId(SOURCE).setAlertFingerprint(fingerprint)
                .setAction(MaintenanceAction.VACUUM_ANALYZE).setTarget(target).setOutcome(outcome)
                .setReason(outcome == CommandOutcome.FAILED ? "SQLSTATE 57014: canceling statement due to statement timeout" : null)
                .setStartedAt(finishedAt.minusMillis(50)).setFinishedAt(finishedAt)
                .setStatement("VACUUM (ANALYZE) \"public\".\"security_events\"")
                .setBefore(ObjectState.newBuilder().setNDeadTup(5_000L).setSizeBytes(8_192_000).build())
                .setAfter(ObjectState.newBuilder().setNDeadTup(outcome == CommandOutcome.DONE ? 0L : 5_000L)
                        .setSizeBytes(8_192_000).build())
                .build();
    }

    /** Fires table_bloat on window [10,20) and returns the FIRING event. */
    private Alert fire() {
        tableWith(5, 0);
        tableWith(15, 5_000);
        tableWith(25, 5_000); // closes [10,20): fires
        List<Alert> fired = pipeline.alerts.readValuesToList();
        assertThat(fired).extracting(Alert::getRule, Alert::getStatus)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("table_bloat", AlertStatus.FIRING));
        return fired.get(0);
    }

    @Test
    void resolutionAfterVacuumNamesTheCommandAndItsEffect() {
        Alert firing = fire();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.DONE, at(22)));
        // The same command replayed later is refused by the agent; that refusal does not replace what ran.
        pipeline.pipe(CommandResult.newBuilder(result("c1", firing.getFingerprint(), CommandOutcome.SKIPPED, at(23)))
                .setReason("replay: command id c1 was already executed").build());
        tableWith(35, 0); // closes [20,30), which saw the bloat before the VACUUM
        tableWith(45, 0); // closes [30,40): clean, resolves

        List<TestRecord<String, Alert>> events = pipeline.alerts.readRecordsToList();
        assertThat(events).hasSize(1);
        Alert resolved = events.get(0).value();
        assertThat(events.get(0).key()).isEqualTo(firing.getFingerprint());
        assertThat(resolved.getStatus()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(resolved.getEscalation()).isNull();
        assertThat(resolved.getAnnotations().get("remediation"))
                .isEqualTo("DONE VACUUM (ANALYZE) \"public\".\"security_events\" at " + at(22)
                        + "; dead tuples 5,000 -> 0; size 8,192,000 -> 8,192,000 bytes");
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void failedCommandEscalatesOnceAndTheResolutionKeepsTheEscalation() {
        Alert firing = fire();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.RETRY_LATER, at(22)));
        assertThat(pipeline.alerts.isEmpty()).as("a lock-timeout retry is not a failure").isTrue();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.FAILED, at(23)));
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.FAILED, at(24))); // delivered twice
        tableWith(35, 5_000);
        tableWith(45, 0);
        tableWith(55, 0); // closes [40,50): clean, resolves

        List<TestRecord<String, Alert>> events = pipeline.alerts.readRecordsToList();
        assertThat(events).extracting(r -> r.value().getStatus()).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
        Alert escalated = events.get(0).value();
        assertThat(escalated.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(escalated.getLabels()).containsEntry("severity", "critical");
        assertThat(escalated.getEscalation())
                .isEqualTo("remediation failed: SQLSTATE 57014: canceling statement due to statement timeout");
        assertThat(escalated.getStartsAt()).isEqualTo(firing.getStartsAt());
        assertThat(events.get(0).timestamp()).isEqualTo(at(23).toEpochMilli());
        Alert resolved = events.get(1).value();
        assertThat(resolved.getEscalation()).isEqualTo(escalated.getEscalation());
        assertThat(resolved.getAnnotations().get("remediation")).startsWith("FAILED VACUUM (ANALYZE)");
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void vacuumWithoutEffectEscalatesOncePatienceLater() {
        Alert firing = fire();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.DONE, at(22)));
        tableWith(35, 5_000); // closes [20,30): still bloated, 8 s after the VACUUM
        tableWith(45, 5_000); // closes [30,40): 18 s
        tableWith(55, 5_000); // closes [40,50): 28 s
        assertThat(pipeline.alerts.isEmpty()).as("within patience").isTrue();
        tableWith(65, 5_000); // closes [50,60): 38 s > 30 s patience
        tableWith(75, 5_000); // closes [60,70): already escalated

        List<Alert> events = pipeline.alerts.readValuesToList();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getStatus()).isEqualTo(AlertStatus.FIRING);
            assertThat(e.getSeverity()).isEqualTo(Severity.CRITICAL);
            assertThat(e.getEventAt()).isEqualTo(at(60));
            assertThat(e.getEscalation()).startsWith("remediation ran (DONE VACUUM (ANALYZE)")
                    .endsWith("but the condition still held 30 s later");
        });
    }

    @Test
    void resultsForNoOpenIncidentAndDryRunsChangeNothing() {
        Alert firing = fire();
        pipeline.pipe(result("other", "not-an-open-incident", CommandOutcome.FAILED, at(22)));
        pipeline.pipe(CommandResult.newBuilder(result("c0", null, CommandOutcome.FAILED, at(22))).build());
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.SKIPPED, at(23)));
        tableWith(35, 5_000);
        tableWith(45, 5_000);
        tableWith(55, 5_000);
        tableWith(65, 5_000);
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void undecodableResultGoesToDeadLetterTopicAndTheFollowUpGoesOn() {
        Alert firing = fire();
        byte[] garbage = "{\"outcome\":\"DONE\"}".getBytes(StandardCharsets.UTF_8);
        pipeline.results.pipeInput("c-bad", garbage, at(22));
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.FAILED, at(23)));

        assertThat(pipeline.deadLetters.readRecordsToList()).singleElement().satisfies(dead -> {
            assertThat(dead.key()).isEqualTo("c-bad");
            assertThat(dead.value()).isEqualTo(garbage);
            assertThat(new String(dead.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                    .contains("magic byte");
            assertThat(new String(dead.headers().lastHeader(DeadLetterHeaders.TOPIC).value(), StandardCharsets.UTF_8))
                    .isEqualTo(PipelineDriver.TOPICS.commandResults());
        });
        assertThat(pipeline.alerts.readValuesToList()).singleElement()
                .satisfies(e -> assertThat(e.getEscalation()).startsWith("remediation failed"));
    }
}
