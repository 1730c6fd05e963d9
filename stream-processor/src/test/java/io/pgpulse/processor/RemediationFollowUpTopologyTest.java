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
import io.pgpulse.avro.MaintenanceCommand;
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
        pipeline = new PipelineDriver(new PipelineTopology.Settings(Duration.ofSeconds(10), Duration.ofSeconds(2), PATIENCE)
                .withCloseSpread(Duration.ZERO),
                stateDir);
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private static Instant at(int seconds) {
        return START.plusSeconds(seconds);
    }

    /** One snapshot at {@code second} with {@code dead} dead tuples of 10,000 live; table_bloat is evaluated on each. */
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

    private static MaintenanceCommand command(String id, String fingerprint, Instant issuedAt, Instant expiresAt) {
        return MaintenanceCommand.newBuilder()
                .setCommandId(id).setSourceId(SOURCE).setAction(MaintenanceAction.VACUUM_ANALYZE)
                .setTarget(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public")
                        .setName("security_events").setOid(OID).build())
                .setReason("table_bloat").setAlertFingerprint(fingerprint)
                .setIssuedAt(issuedAt).setExpiresAt(expiresAt).setDryRun(false)
                .setKeyId("k1").setSignature(java.nio.ByteBuffer.wrap(new byte[32]))
                .build();
    }

    /** Fires table_bloat at the snapshot of second 15 and returns the FIRING event. */
    private Alert fire() {
        tableWith(5, 0);
        tableWith(15, 5_000); // fires
        List<TestRecord<String, Alert>> fired = pipeline.alerts.readRecordsToList();
        assertThat(fired).extracting(r -> r.value().getRule(), r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("table_bloat", AlertStatus.FIRING, at(15).toEpochMilli()));
        return fired.get(0).value();
    }

    @Test
    void resolutionAfterVacuumNamesTheCommandAndItsEffect() {
        Alert firing = fire();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.DONE, at(17)));
        // The same command replayed is refused by the agent; that refusal does not replace what ran.
        pipeline.pipe(CommandResult.newBuilder(result("c1", firing.getFingerprint(), CommandOutcome.SKIPPED, at(18)))
                .setReason("replay: command id c1 was already executed").build());
        tableWith(19, 0); // clean: resolves

        List<TestRecord<String, Alert>> events = pipeline.alerts.readRecordsToList();
        assertThat(events).hasSize(1);
        Alert resolved = events.get(0).value();
        assertThat(events.get(0).key()).isEqualTo(firing.getFingerprint());
        assertThat(events.get(0).timestamp()).isEqualTo(at(19).toEpochMilli());
        assertThat(resolved.getStatus()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(resolved.getEscalation()).isNull();
        assertThat(resolved.getAnnotations().get("remediation"))
                .isEqualTo("DONE VACUUM (ANALYZE) \"public\".\"security_events\" at " + at(17)
                        + "; dead tuples 5,000 -> 0; size 8,192,000 -> 8,192,000 bytes");
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void resolutionWaitsForTheResultOfACommandIssuedForTheIncident() {
        Alert firing = fire();
        pipeline.pipe(command("c1", firing.getFingerprint(), at(16), at(16).plusSeconds(900)));
        // The snapshot after the VACUUM overtakes its result (they travel on different topics).
        tableWith(19, 0);
        tableWith(21, 0);
        assertThat(pipeline.alerts.isEmpty()).as("waiting for the command's result").isTrue();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.DONE, at(18)));

        List<TestRecord<String, Alert>> events = pipeline.alerts.readRecordsToList();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(firing.getFingerprint());
            assertThat(e.timestamp()).isEqualTo(at(19).toEpochMilli());
            assertThat(e.value().getStatus()).isEqualTo(AlertStatus.RESOLVED);
            assertThat(e.value().getEndsAt()).as("when the condition cleared").isEqualTo(at(19));
            assertThat(e.value().getAnnotations().get("remediation")).startsWith("DONE VACUUM (ANALYZE)");
        });
    }

    @Test
    void aCommandThatNeverReportsBackHoldsTheResolutionOnlyUntilItExpiresOrAMinutePassed() {
        Alert firing = fire();
        pipeline.pipe(command("c1", firing.getFingerprint(), at(16), at(30)));
        tableWith(19, 0);
        tableWith(25, 5_000); // bloated again while waiting: the wait is off
        tableWith(27, 0);
        assertThat(pipeline.alerts.isEmpty()).isTrue();
        tableWith(31, 0); // the command expired at 30

        List<TestRecord<String, Alert>> events = pipeline.alerts.readRecordsToList();
        assertThat(events).extracting(r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(AlertStatus.RESOLVED, at(31).toEpochMilli()));
        assertThat(events.get(0).value().getAnnotations()).doesNotContainKey("remediation");
    }

    @Test
    void aResultReadBeforeItsCommandLeavesNothingToWaitFor() {
        Alert firing = fire();
        // The two topics are read side by side: here the result comes first.
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.DONE, at(17)));
        pipeline.pipe(command("c1", firing.getFingerprint(), at(16), at(16).plusSeconds(900)));
        tableWith(19, 0);

        assertThat(pipeline.alerts.readRecordsToList()).singleElement().satisfies(e -> {
            assertThat(e.timestamp()).isEqualTo(at(19).toEpochMilli());
            assertThat(e.value().getStatus()).isEqualTo(AlertStatus.RESOLVED);
            assertThat(e.value().getAnnotations().get("remediation")).startsWith("DONE VACUUM (ANALYZE)");
        });
    }

    @Test
    void aLongValidCommandHoldsTheResolutionAMinuteAtMost() {
        Alert firing = fire();
        pipeline.pipe(command("c1", firing.getFingerprint(), at(16), at(16).plusSeconds(900)));
        tableWith(19, 0);
        tableWith(75, 0); // 59 s after the command: still waiting
        assertThat(pipeline.alerts.isEmpty()).isTrue();
        tableWith(77, 0); // 61 s: resolved without waiting for the result any longer

        assertThat(pipeline.alerts.readRecordsToList()).extracting(r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(AlertStatus.RESOLVED, at(77).toEpochMilli()));
    }

    @Test
    void failedCommandEscalatesOnceAndTheResolutionKeepsTheEscalation() {
        Alert firing = fire();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.RETRY_LATER, at(17)));
        assertThat(pipeline.alerts.isEmpty()).as("a lock-timeout retry is not a failure").isTrue();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.FAILED, at(18)));
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.FAILED, at(19))); // delivered twice
        tableWith(25, 5_000);
        tableWith(35, 0); // clean, resolves

        List<TestRecord<String, Alert>> events = pipeline.alerts.readRecordsToList();
        assertThat(events).extracting(r -> r.value().getStatus(), TestRecord::timestamp).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AlertStatus.FIRING, at(18).toEpochMilli()),
                org.assertj.core.groups.Tuple.tuple(AlertStatus.RESOLVED, at(35).toEpochMilli()));
        Alert escalated = events.get(0).value();
        assertThat(escalated.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(escalated.getLabels()).containsEntry("severity", "critical");
        assertThat(escalated.getEscalation())
                .isEqualTo("remediation failed: SQLSTATE 57014: canceling statement due to statement timeout");
        assertThat(escalated.getStartsAt()).isEqualTo(firing.getStartsAt());
        Alert resolved = events.get(1).value();
        assertThat(resolved.getEscalation()).isEqualTo(escalated.getEscalation());
        assertThat(resolved.getAnnotations().get("remediation")).startsWith("FAILED VACUUM (ANALYZE)");
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void vacuumWithoutEffectEscalatesOncePatienceLater() {
        Alert firing = fire();
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.DONE, at(17)));
        tableWith(25, 5_000); // still bloated, 8 s after the VACUUM
        tableWith(35, 5_000); // 18 s
        tableWith(45, 5_000); // 28 s
        assertThat(pipeline.alerts.isEmpty()).as("within patience").isTrue();
        tableWith(55, 5_000); // 38 s > 30 s patience
        tableWith(65, 5_000); // already escalated

        List<Alert> events = pipeline.alerts.readValuesToList();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getStatus()).isEqualTo(AlertStatus.FIRING);
            assertThat(e.getSeverity()).isEqualTo(Severity.CRITICAL);
            assertThat(e.getEventAt()).isEqualTo(at(55));
            assertThat(e.getEscalation()).startsWith("remediation ran (DONE VACUUM (ANALYZE)")
                    .endsWith("but the condition still held 30 s later");
        });
    }

    @Test
    void resultsForNoOpenIncidentAndDryRunsChangeNothing() {
        Alert firing = fire();
        pipeline.pipe(result("other", "not-an-open-incident", CommandOutcome.FAILED, at(17)));
        pipeline.pipe(CommandResult.newBuilder(result("c0", null, CommandOutcome.FAILED, at(17))).build());
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.SKIPPED, at(18)));
        tableWith(25, 5_000);
        tableWith(35, 5_000);
        tableWith(45, 5_000);
        tableWith(55, 5_000);
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void undecodableResultGoesToDeadLetterTopicAndTheFollowUpGoesOn() {
        Alert firing = fire();
        byte[] garbage = "{\"outcome\":\"DONE\"}".getBytes(StandardCharsets.UTF_8);
        pipeline.results.pipeInput("c-bad", garbage, at(17));
        pipeline.pipe(result("c1", firing.getFingerprint(), CommandOutcome.FAILED, at(18)));

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
