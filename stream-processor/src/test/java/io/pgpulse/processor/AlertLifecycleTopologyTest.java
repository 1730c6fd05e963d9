package io.pgpulse.processor;

import static io.pgpulse.processor.SnapshotFixtures.POSTMASTER_START;
import static io.pgpulse.processor.SnapshotFixtures.SOURCE;
import static io.pgpulse.processor.SnapshotFixtures.START;
import static io.pgpulse.processor.SnapshotFixtures.activity;
import static io.pgpulse.processor.SnapshotFixtures.builder;
import static io.pgpulse.processor.SnapshotFixtures.index;
import static io.pgpulse.processor.SnapshotFixtures.indexSize;
import static io.pgpulse.processor.SnapshotFixtures.snapshot;
import static io.pgpulse.processor.SnapshotFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.Severity;
import io.pgpulse.avro.TableStats;
import io.pgpulse.processor.SnapshotFixtures.Db;
import io.pgpulse.processor.alert.Fingerprint;
import io.pgpulse.processor.rule.RuleSet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert lifecycle through the production topology with the built-in rules: exactly the
 * FIRING and RESOLVED events an incident should produce, with their keys (fingerprints) and
 * timestamps, and nothing else. 10 s tumbling windows, 2 s grace; snapshots every 2 s.
 */
class AlertLifecycleTopologyTest {

    private static final long OID = 16384;

    @TempDir
    Path stateDir;

    private PipelineDriver pipeline;

    private PipelineDriver pipeline() {
        if (pipeline == null) {
            pipeline = new PipelineDriver(new PipelineTopology.Settings(Duration.ofSeconds(10), Duration.ofSeconds(2))
                    .withCloseSpread(Duration.ZERO), // these tests step stream time to the exact close
                    stateDir);
        }
        return pipeline;
    }

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static Instant at(long seconds) {
        return START.plusSeconds(seconds);
    }

    /** A snapshot at {@code second} whose one table has {@code dead} dead tuples of 10,000 live. */
    private void bloat(long second, long dead) {
        pipeline().pipe(snapshot(at(second), POSTMASTER_START, new Db(second, 0, 100 * second),
                List.of(table("public", "security_events", OID, 10_000, 6_000, 10_000, dead))));
    }

    private static String fingerprint(String rule, TableStats table) {
        return Fingerprint.of(rule, SOURCE, new io.pgpulse.avro.ObjectRef(io.pgpulse.avro.ObjectKind.TABLE,
                table.getSchemaName(), table.getName(), table.getOid()));
    }

    private List<TestRecord<String, Alert>> events() {
        return pipeline().alerts.readRecordsToList();
    }

    @Test
    void tableBloatOscillatingAroundItsThresholdIsOneIncident() {
        bloat(0, 1_000);   // 0.10
        bloat(2, 5_000);   // 0.50 fires at once (for: 0s, evaluated on every snapshot)
        bloat(4, 1_500);   // 0.15: below the threshold, above the resolve line (0.1): still firing
        bloat(6, 2_500);
        bloat(8, 1_900);
        bloat(10, 2_100);
        bloat(12, 500);    // 0.05: resolves
        bloat(14, 1_200);  // 0.12: under the threshold, nothing
        bloat(16, 1_900);

        String key = fingerprint("table_bloat", table("public", "security_events", OID, 0, 0, 0, 0));
        List<TestRecord<String, Alert>> events = events();
        assertThat(events).extracting(TestRecord::key, r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(
                        tuple(key, AlertStatus.FIRING, at(2).toEpochMilli()),
                        tuple(key, AlertStatus.RESOLVED, at(12).toEpochMilli()));
        Alert firing = events.get(0).value();
        assertThat(firing.getRule()).isEqualTo("table_bloat");
        assertThat(firing.getFingerprint()).isEqualTo(key);
        assertThat(firing.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(firing.getObject().getName()).isEqualTo("security_events");
        assertThat(firing.getObject().getOid()).isEqualTo(OID);
        assertThat(firing.getValue()).isCloseTo(0.5, within(1e-9));
        assertThat(firing.getThreshold()).isEqualTo(0.2);
        assertThat(firing.getStartsAt()).isEqualTo(at(2));
        assertThat(firing.getEventAt()).isEqualTo(at(2));
        assertThat(firing.getWindowSizeMs()).as("evaluated on the snapshot").isNull();
        assertThat(firing.getSummary()).isEqualTo(
                "public.security_events on pg-test/app has 0.500 dead tuples per live tuple (threshold 0.200)");
        assertThat(firing.getLabels()).containsEntry("alertname", "table_bloat").containsEntry("severity", "warning")
                .containsEntry("source", SOURCE).containsEntry("object", "public.security_events").containsEntry("env", "test");
        Alert resolved = events.get(1).value();
        assertThat(resolved.getStartsAt()).isEqualTo(at(2));
        assertThat(resolved.getEndsAt()).isEqualTo(at(12));
        assertThat(resolved.getValue()).isCloseTo(0.05, within(1e-9));
        assertThat(resolved.getAnnotations()).containsEntry("resolved_because", "condition cleared");
        assertThat(pipeline().alerts.isEmpty()).isTrue();
    }

    @Test
    void databaseDownFiresCriticalAndTableAlertsNeitherResolveNorFireWhileDown() {
        bloat(0, 5_000);
        pipeline().pipe(SnapshotFixtures.down(at(2)));
        pipeline().pipe(SnapshotFixtures.down(at(4)));
        bloat(6, 5_000);

        String down = Fingerprint.of("database_down", SOURCE, null);
        List<TestRecord<String, Alert>> events = events();
        assertThat(events).extracting(TestRecord::key, r -> r.value().getRule(), r -> r.value().getStatus(),
                        TestRecord::timestamp)
                .containsExactly(
                        tuple(fingerprint("table_bloat", table("public", "security_events", OID, 0, 0, 0, 0)),
                                "table_bloat", AlertStatus.FIRING, at(0).toEpochMilli()),
                        tuple(down, "database_down", AlertStatus.FIRING, at(2).toEpochMilli()),
                        tuple(down, "database_down", AlertStatus.RESOLVED, at(6).toEpochMilli()));
        assertThat(events.get(1).value().getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(events.get(1).value().getSummary())
                .isEqualTo("pg-test/app is down: the collector cannot read its statistics");
        assertThat(pipeline().alerts.isEmpty()).isTrue();
    }

    @Test
    void sourceSilentForThreeIntervalsFiresOnTheWallClockAndTheNextSnapshotResolvesIt() {
        bloat(0, 0); // the wall clock starts at the same instant; the interval is 2 s
        pipeline().driver.advanceWallClockTime(Duration.ofSeconds(5)); // 2.5 intervals
        assertThat(pipeline().alerts.isEmpty()).isTrue();
        pipeline().driver.advanceWallClockTime(Duration.ofSeconds(2)); // 3.5 intervals
        pipeline().driver.advanceWallClockTime(Duration.ofSeconds(4)); // still silent: no second event
        bloat(9, 0);

        String key = Fingerprint.of("source_silent", SOURCE, null);
        List<TestRecord<String, Alert>> events = events();
        assertThat(events).extracting(TestRecord::key, r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(
                        tuple(key, AlertStatus.FIRING, START.plusSeconds(7).toEpochMilli()),
                        tuple(key, AlertStatus.RESOLVED, at(9).toEpochMilli()));
        Alert firing = events.get(0).value();
        assertThat(firing.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(firing.getValue()).isEqualTo(3.0);
        assertThat(firing.getSummary()).isEqualTo("pg-test/app sent no snapshot for 3 collection intervals");
        assertThat(pipeline().alerts.isEmpty()).isTrue();
    }

    private void locks(long second, int waiting) {
        pipeline().pipe(builder(at(second), POSTMASTER_START, new Db(second, 0, 100 * second), List.of())
                .setActivity(activity(5, waiting, null)).build());
    }

    @Test
    void lockWaitsFireOnlyOnceTheyHeldForTheirMinute() {
        locks(0, 2);
        locks(20, 2);
        locks(40, 0); // the waits stopped: the minute starts over
        locks(60, 2);
        locks(80, 2);
        locks(100, 2);
        assertThat(pipeline().alerts.isEmpty()).as("held 40 s only").isTrue();
        locks(120, 3);
        locks(140, 0);

        String key = Fingerprint.of("lock_waits", SOURCE, null);
        List<TestRecord<String, Alert>> events = events();
        assertThat(events).extracting(TestRecord::key, r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(
                        tuple(key, AlertStatus.FIRING, at(120).toEpochMilli()),
                        tuple(key, AlertStatus.RESOLVED, at(140).toEpochMilli()));
        assertThat(events.get(0).value().getStartsAt()).isEqualTo(at(60));
        assertThat(events.get(0).value().getValue()).isEqualTo(3.0);
        assertThat(pipeline().alerts.isEmpty()).isTrue();
    }

    @Test
    void windowRuleFiresWhenItsWindowClosesAndNamesTheWindowSize() {
        pipeline().pipe(snapshot(at(0), POSTMASTER_START, new Db(0, 0, 0), List.of()));
        pipeline().pipe(snapshot(at(4), POSTMASTER_START, new Db(0, 1000, 1000), List.of())); // half the blocks missed
        pipeline().pipe(snapshot(at(12), POSTMASTER_START, new Db(0, 1000, 1000), List.of())); // closes [0,10)
        pipeline().pipe(snapshot(at(14), POSTMASTER_START, new Db(0, 1000, 3000), List.of()));
        pipeline().pipe(snapshot(at(22), POSTMASTER_START, new Db(0, 1000, 3000), List.of())); // closes [10,20): all hits

        String key = Fingerprint.of("cache_hit_ratio_low", SOURCE, null);
        List<TestRecord<String, Alert>> events = events();
        assertThat(events).extracting(TestRecord::key, r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(
                        tuple(key, AlertStatus.FIRING, at(10).toEpochMilli()),
                        tuple(key, AlertStatus.RESOLVED, at(20).toEpochMilli()));
        Alert firing = events.get(0).value();
        assertThat(firing.getValue()).isEqualTo(0.5);
        assertThat(firing.getWindowSizeMs()).isEqualTo(10_000L);
        assertThat(firing.getSummary()).isEqualTo("pg-test/app: cache hit ratio 0.500 is below 0.950");
        assertThat(pipeline().alerts.isEmpty()).isTrue();
    }

    @Test
    void droppedTableEndsItsIncident() {
        bloat(0, 5_000);
        pipeline().pipe(snapshot(at(2), POSTMASTER_START, new Db(2, 0, 200),
                List.of(table("public", "users", 20_000, 10, 0, 10, 0))));

        List<TestRecord<String, Alert>> events = events();
        assertThat(events).extracting(r -> r.value().getStatus(), TestRecord::timestamp)
                .containsExactly(tuple(AlertStatus.FIRING, at(0).toEpochMilli()),
                        tuple(AlertStatus.RESOLVED, at(2).toEpochMilli()));
        assertThat(events.get(1).value().getAnnotations()).containsEntry("resolved_because", "object no longer present");
        assertThat(events.get(1).value().getValue()).isNull();
        assertThat(pipeline().alerts.isEmpty()).isTrue();
    }

    @Test
    void indexNotScannedForAWeekIsReportedUnlessItIsUnique() {
        List<TableStats> tables = List.of(table("public", "events", 100, 0, 0, 1000, 0));
        PgSnapshot.Builder first = builder(at(0), POSTMASTER_START, new Db(0, 0, 0), tables)
                .setIndexes(List.of(index("events", 100, "events_pkey", 101, 5, true),
                        index("events", 100, "events_created_at_idx", 102, 5, false)))
                .setIndexSizes(List.of(indexSize("events_pkey", 101, 20_000_000, 0.0),
                        indexSize("events_created_at_idx", 102, 20_000_000, 0.0)));
        pipeline().pipe(first.build());
        // Eight days later, neither index was scanned; sizes were not collected this time (last known count).
        pipeline().pipe(builder(at(8 * 86_400), POSTMASTER_START, new Db(0, 0, 0), tables)
                .setIndexes(List.of(index("events", 100, "events_pkey", 101, 5, true),
                        index("events", 100, "events_created_at_idx", 102, 5, false)))
                .build());

        List<TestRecord<String, Alert>> events = events();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.value().getRule()).isEqualTo("unused_index");
            assertThat(e.value().getStatus()).isEqualTo(AlertStatus.FIRING);
            assertThat(e.value().getSeverity()).isEqualTo(Severity.INFO);
            assertThat(e.value().getObject().getName()).isEqualTo("events_created_at_idx");
            assertThat(e.value().getObject().getKind()).isEqualTo(io.pgpulse.avro.ObjectKind.INDEX);
            assertThat(e.value().getValue()).isEqualTo(8 * 86_400.0);
        });
    }

    @Test
    void perTagOverrideChangesTheThresholdForTheSourcesCarryingTheTag() throws Exception {
        RuleSet rules = RuleSet.load(Path.of(getClass().getResource("/rules/full.good.yaml").toURI()));
        pipeline = new PipelineDriver(new PipelineTopology.Settings(Duration.ofSeconds(10), Duration.ofSeconds(2))
                    .withCloseSpread(Duration.ZERO), // these tests step stream time to the exact close
                rules, stateDir);
        // 3 of 100 connections: over the 0.02 of sources tagged env=test, far under the 0.8 of the others.
        pipeline.pipe(snapshot(at(0), POSTMASTER_START, new Db(0, 0, 0), List.of()));
        pipeline.pipe(builder(at(0), POSTMASTER_START, new Db(0, 0, 0), List.of()).setSourceId("pg-prod/app")
                .setCluster("pg-prod").setTags(Map.of("env", "prod")).build());

        assertThat(events()).singleElement().satisfies(e -> {
            assertThat(e.value().getRule()).isEqualTo("connections_for_test");
            assertThat(e.value().getSourceId()).isEqualTo(SOURCE);
            assertThat(e.value().getThreshold()).isEqualTo(0.02);
            assertThat(e.value().getSummary()).isEqualTo("pg-test/app: 0.030 of connections in use (threshold 0.020)");
        });
    }
}
