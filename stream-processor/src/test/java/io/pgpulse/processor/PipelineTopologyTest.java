package io.pgpulse.processor;

import static io.pgpulse.processor.SnapshotFixtures.POSTMASTER_START;
import static io.pgpulse.processor.SnapshotFixtures.SOURCE;
import static io.pgpulse.processor.SnapshotFixtures.START;
import static io.pgpulse.processor.SnapshotFixtures.snapshot;
import static io.pgpulse.processor.SnapshotFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.processor.SnapshotFixtures.Db;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the production topology with fixed snapshots and checks exactly what comes out. */
class PipelineTopologyTest {

    private static final PipelineTopology.Settings SETTINGS =
            new PipelineTopology.Settings(Duration.ofSeconds(10), Duration.ofSeconds(2));

    @TempDir
    Path stateDir;

    private PipelineDriver pipeline;
    private TestOutputTopic<String, DerivedMetrics> metrics;
    private TestOutputTopic<String, Alert> alerts;
    private TestOutputTopic<String, byte[]> deadLetters;

    @BeforeEach
    void start() {
        pipeline = new PipelineDriver(SETTINGS, stateDir);
        metrics = pipeline.metrics;
        alerts = pipeline.alerts;
        deadLetters = pipeline.deadLetters;
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    private void pipe(PgSnapshot snapshot) {
        pipeline.pipe(snapshot);
    }

    private static Instant at(int seconds) {
        return START.plusSeconds(seconds);
    }

    @Test
    void cacheHitRatioAndRatesComeFromTheWindowsDeltasNotLifetimeTotals() {
        // Lifetime totals say 50% hits; within the window every block was a hit.
        pipe(snapshot(at(0), POSTMASTER_START, new Db(1000, 500_000, 500_000), List.of()));
        pipe(snapshot(at(2), POSTMASTER_START, new Db(1020, 500_000, 501_000), List.of()));
        pipe(snapshot(at(4), POSTMASTER_START, new Db(1040, 500_000, 502_000), List.of()));
        pipe(snapshot(at(12), POSTMASTER_START, new Db(1120, 500_000, 506_000), List.of())); // closes [0,10)

        List<TestRecord<String, DerivedMetrics>> out = metrics.readRecordsToList();
        assertThat(out).hasSize(1);
        DerivedMetrics window = out.get(0).value();
        assertThat(out.get(0).key()).isEqualTo(SOURCE);
        assertThat(window.getWindowStart()).isEqualTo(at(0));
        assertThat(window.getWindowEnd()).isEqualTo(at(10));
        assertThat(window.getSnapshots()).isEqualTo(3);
        assertThat(window.getCoveredMs()).isEqualTo(4000);
        assertThat(window.getDatabase().getCacheHitRatio()).isEqualTo(1.0);
        assertThat(window.getDatabase().getXactCommitPerS()).isCloseTo(10.0, within(1e-9));
        assertThat(window.getDatabase().getConnectionUtilization()).isCloseTo(0.03, within(1e-9));
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void restartStartsNewBaselineWithoutSpikeOrAlert() {
        pipe(snapshot(at(0), POSTMASTER_START, new Db(1_000_000, 100, 900), List.of()));
        pipe(snapshot(at(2), POSTMASTER_START, new Db(1_000_010, 100, 1000), List.of()));
        // The server restarted: counters start again from zero. Not a negative rate, not a spike.
        Instant restarted = at(3);
        pipe(snapshot(at(4), restarted, new Db(5, 0, 10), List.of()));
        pipe(snapshot(at(6), restarted, new Db(15, 0, 20), List.of()));
        pipe(snapshot(at(12), restarted, new Db(25, 0, 30), List.of()));

        DerivedMetrics window = metrics.readValuesToList().get(0);
        assertThat(window.getSnapshots()).isEqualTo(4);
        assertThat(window.getCoveredMs()).isEqualTo(4000); // 0→2 and 4→6; the restart contributes nothing
        assertThat(window.getDatabase().getXactCommitPerS()).isCloseTo(20.0 / 4, within(1e-9));
        assertThat(window.getDatabase().getXactCommitPerS()).isGreaterThanOrEqualTo(0);
        assertThat(window.getDatabase().getCacheHitRatio()).isEqualTo(1.0);
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void tableBloatFiresOnceAndResolvesOnceAfterVacuum() {
        long oid = 16384;
        // Window [0,10): 10% dead — no alert.
        pipe(snapshot(at(0), POSTMASTER_START, new Db(10, 0, 100), List.of(table("public", "security_events", oid, 10_000, 0, 10_000, 1_000))));
        // Window [10,20) and [20,30): 50% dead — fires once, stays firing without repeats.
        pipe(snapshot(at(11), POSTMASTER_START, new Db(20, 0, 200), List.of(table("public", "security_events", oid, 10_000, 5_000, 10_000, 5_000))));
        pipe(snapshot(at(21), POSTMASTER_START, new Db(30, 0, 300), List.of(table("public", "security_events", oid, 10_000, 6_000, 10_000, 6_000))));
        // Window [30,40): 15% — between resolve (10%) and fire (20%) thresholds: hysteresis keeps it firing.
        pipe(snapshot(at(31), POSTMASTER_START, new Db(40, 0, 400), List.of(table("public", "security_events", oid, 10_000, 6_000, 10_000, 1_500))));
        // Window [40,50): vacuumed, no dead tuples — resolves.
        pipe(snapshot(at(41), POSTMASTER_START, new Db(50, 0, 500), List.of(table("public", "security_events", oid, 10_000, 6_000, 10_000, 0))));
        pipe(snapshot(at(53), POSTMASTER_START, new Db(60, 0, 600), List.of(table("public", "security_events", oid, 10_000, 6_000, 10_000, 0))));

        List<TestRecord<String, Alert>> events = alerts.readRecordsToList();
        assertThat(events).extracting(r -> r.value().getStatus()).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
        Alert firing = events.get(0).value();
        Alert resolved = events.get(1).value();
        assertThat(firing.getRule()).isEqualTo("table_bloat");
        assertThat(firing.getObject().getName()).isEqualTo("security_events");
        assertThat(firing.getObject().getOid()).isEqualTo(oid);
        assertThat(firing.getValue()).isCloseTo(0.5, within(1e-9));
        assertThat(firing.getStartsAt()).isEqualTo(at(20));
        assertThat(events.get(0).timestamp()).isEqualTo(at(20).toEpochMilli());
        assertThat(firing.getSummary()).isEqualTo(
                "public.security_events on pg-test/app has 0.500 dead tuples per live tuple (threshold 0.200)");
        assertThat(events.get(0).key()).isEqualTo(firing.getFingerprint()).isEqualTo(events.get(1).key());
        assertThat(resolved.getEndsAt()).isEqualTo(at(50));
        assertThat(resolved.getStartsAt()).isEqualTo(firing.getStartsAt());
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void databaseDownFiresCriticalAndDoesNotResolveTableAlertsWhileDown() {
        long oid = 16384;
        pipe(snapshot(at(0), POSTMASTER_START, new Db(10, 0, 100), List.of(table("public", "t", oid, 10_000, 5_000, 10_000, 5_000))));
        pipe(SnapshotFixtures.down(at(12)));
        pipe(SnapshotFixtures.down(at(22)));

        List<Alert> events = alerts.readValuesToList();
        assertThat(events).extracting(Alert::getRule, Alert::getStatus).containsExactly(
                org.assertj.core.groups.Tuple.tuple("table_bloat", AlertStatus.FIRING),
                org.assertj.core.groups.Tuple.tuple("database_down", AlertStatus.FIRING));
        assertThat(events.get(1).getSeverity()).isEqualTo(io.pgpulse.avro.Severity.CRITICAL);
    }

    @Test
    void undecodableRecordGoesToDeadLetterTopicAndGoodOnesFlow() {
        byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
        pipeline.snapshots.pipeInput(SOURCE, garbage, at(0));
        pipe(snapshot(at(1), POSTMASTER_START, new Db(10, 0, 100), List.of()));
        pipe(snapshot(at(12), POSTMASTER_START, new Db(20, 0, 200), List.of()));

        List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).isEqualTo(SOURCE);
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        Header reason = dead.get(0).headers().lastHeader(DeadLetterHeaders.REASON);
        assertThat(new String(reason.value(), StandardCharsets.UTF_8)).contains("magic byte");
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetterHeaders.OFFSET).value(), StandardCharsets.UTF_8))
                .isEqualTo("0");
        assertThat(metrics.readValuesToList()).extracting(DerivedMetrics::getSnapshots).containsExactly(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }
}
