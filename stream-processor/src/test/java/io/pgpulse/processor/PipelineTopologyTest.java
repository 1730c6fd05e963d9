package io.pgpulse.processor;

import static io.pgpulse.processor.SnapshotFixtures.POSTMASTER_START;
import static io.pgpulse.processor.SnapshotFixtures.SOURCE;
import static io.pgpulse.processor.SnapshotFixtures.START;
import static io.pgpulse.processor.SnapshotFixtures.builder;
import static io.pgpulse.processor.SnapshotFixtures.databaseStats;
import static io.pgpulse.processor.SnapshotFixtures.snapshot;
import static io.pgpulse.processor.SnapshotFixtures.statement;
import static io.pgpulse.processor.SnapshotFixtures.statements;
import static io.pgpulse.processor.SnapshotFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.StatementMetrics;
import io.pgpulse.avro.TableMetrics;
import io.pgpulse.processor.SnapshotFixtures.Db;
import io.pgpulse.processor.window.WindowSpec;
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

/**
 * Counter deltas and windows, driven through the production topology with fixed
 * snapshots: exactly what comes out on the metrics topic, and nothing else. 10 s tumbling
 * windows with 2 s grace (a snapshot at second 12 or later closes [0,10)); the hopping
 * windows have a test of their own.
 */
class PipelineTopologyTest {

    private static final PipelineTopology.Settings TUMBLING_ONLY = settings(
            WindowSpec.tumbling(Duration.ofSeconds(10), Duration.ofSeconds(2)));

    @TempDir
    Path stateDir;

    private PipelineDriver pipeline;
    private TestOutputTopic<String, DerivedMetrics> metrics;

    @BeforeEach
    void start() {
        use(TUMBLING_ONLY);
    }

    private void use(PipelineTopology.Settings settings) {
        if (pipeline != null) {
            pipeline.close();
        }
        pipeline = new PipelineDriver(settings, stateDir.resolve("s" + System.nanoTime()));
        metrics = pipeline.metrics;
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    static PipelineTopology.Settings settings(WindowSpec windows) {
        PipelineTopology.Settings d = PipelineTopology.Settings.defaults();
        return new PipelineTopology.Settings(windows, d.remediationPatience(), d.slowStatementMs(), d.silenceCheck(),
                d.closeBudget(), Duration.ZERO, d.drainInterval(), d.stores(), d.stateCacheSources());
    }

    private void pipe(PgSnapshot snapshot) {
        pipeline.pipe(snapshot);
    }

    private static Instant at(double seconds) {
        return START.plusMillis(Math.round(seconds * 1000));
    }

    private static PgSnapshot other(double seconds, long commits) {
        return builder(at(seconds), POSTMASTER_START, new Db(commits, 0, 100 * commits), List.of())
                .setSourceId("pg-test/other").setDatabase("other").build();
    }

    /** The one window that came out; fails if there were others. */
    private TestRecord<String, DerivedMetrics> onlyWindow() {
        List<TestRecord<String, DerivedMetrics>> out = metrics.readRecordsToList();
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    @Test
    void cacheHitRatioAndRatesComeFromTheWindowsDeltasNotLifetimeTotals() {
        // Lifetime totals say 50% hits; within the window every block was a hit.
        pipe(snapshot(at(0), POSTMASTER_START, new Db(1000, 500_000, 500_000), List.of()));
        pipe(snapshot(at(2), POSTMASTER_START, new Db(1020, 500_000, 501_000), List.of()));
        pipe(snapshot(at(4), POSTMASTER_START, new Db(1040, 500_000, 502_000), List.of()));
        assertThat(metrics.isEmpty()).as("window still open").isTrue();
        pipe(snapshot(at(12), POSTMASTER_START, new Db(1120, 500_000, 506_000), List.of())); // closes [0,10)

        TestRecord<String, DerivedMetrics> record = onlyWindow();
        DerivedMetrics window = record.value();
        assertThat(record.key()).isEqualTo(SOURCE);
        assertThat(record.timestamp()).isEqualTo(at(10).toEpochMilli());
        assertThat(window.getWindowStart()).isEqualTo(at(0));
        assertThat(window.getWindowEnd()).isEqualTo(at(10));
        assertThat(window.getWindowSizeMs()).isEqualTo(10_000);
        assertThat(window.getWindowAdvanceMs()).isEqualTo(10_000);
        assertThat(window.getSnapshots()).isEqualTo(3);
        assertThat(window.getCoveredMs()).isEqualTo(4000); // 0→2 and 2→4; the first snapshot is the baseline
        assertThat(window.getLastSnapshotAt()).isEqualTo(at(4));
        assertThat(window.getDatabase().getCacheHitRatio()).isEqualTo(1.0);
        assertThat(window.getDatabase().getXactCommitPerS()).isCloseTo(10.0, within(1e-9));
        assertThat(window.getDatabase().getBlksHitPerS()).isCloseTo(500.0, within(1e-9));
        assertThat(window.getDatabase().getConnectionUtilization()).isCloseTo(0.03, within(1e-9));
        assertThat(window.getDatabase().getGrowthBytesPerH()).as("no snapshot before the window").isNull();
        assertThat(window.getBaselineReasons()).isEmpty();
        assertThat(metrics.isEmpty()).isTrue();
        assertThat(pipeline.alerts.isEmpty()).isTrue();
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

        DerivedMetrics window = onlyWindow().value();
        assertThat(window.getSnapshots()).isEqualTo(4);
        assertThat(window.getCoveredMs()).isEqualTo(4000); // 0→2 and 4→6; the restart contributes nothing
        assertThat(window.getDatabase().getXactCommitPerS()).isCloseTo(20.0 / 4, within(1e-9));
        assertThat(window.getDatabase().getCacheHitRatio()).isEqualTo(1.0);
        assertThat(window.getBaselineReasons()).containsExactly("server restarted at " + restarted);
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void statsResetStartsNewBaselineWithoutSpike() {
        Instant reset = at(3);
        pipe(snapshot(at(0), POSTMASTER_START, new Db(500, 10, 1000), List.of()));
        pipe(snapshot(at(2), POSTMASTER_START, new Db(520, 10, 1100), List.of()));
        pipe(builder(at(4), POSTMASTER_START, new Db(3, 0, 10), List.of())
                .setDatabaseStats(databaseStats(new Db(3, 0, 10), reset)).build());
        pipe(builder(at(6), POSTMASTER_START, new Db(13, 0, 110), List.of())
                .setDatabaseStats(databaseStats(new Db(13, 0, 110), reset)).build());
        pipe(builder(at(12), POSTMASTER_START, new Db(23, 0, 210), List.of())
                .setDatabaseStats(databaseStats(new Db(23, 0, 210), reset)).build());

        DerivedMetrics window = onlyWindow().value();
        assertThat(window.getCoveredMs()).isEqualTo(4000);
        assertThat(window.getDatabase().getXactCommitPerS()).isCloseTo((20 + 10) / 4.0, within(1e-9));
        assertThat(window.getDatabase().getBlksHitPerS()).isCloseTo((100 + 100) / 4.0, within(1e-9));
        assertThat(window.getBaselineReasons()).containsExactly("statistics reset at " + reset);
    }

    @Test
    void counterGoingBackwardsStartsNewBaselineNeverANegativeRate() {
        pipe(snapshot(at(0), POSTMASTER_START, new Db(500, 10, 1000), List.of()));
        pipe(snapshot(at(2), POSTMASTER_START, new Db(520, 10, 1100), List.of()));
        pipe(snapshot(at(4), POSTMASTER_START, new Db(100, 10, 1200), List.of())); // commits went backwards
        pipe(snapshot(at(6), POSTMASTER_START, new Db(110, 10, 1300), List.of()));
        pipe(snapshot(at(12), POSTMASTER_START, new Db(120, 10, 1400), List.of()));

        DerivedMetrics window = onlyWindow().value();
        assertThat(window.getCoveredMs()).isEqualTo(4000);
        assertThat(window.getDatabase().getXactCommitPerS()).isCloseTo((20 + 10) / 4.0, within(1e-9));
        assertThat(window.getDatabase().getBlksHitPerS()).isCloseTo(200 / 4.0, within(1e-9));
        assertThat(window.getBaselineReasons()).containsExactly("a database counter went backwards");
    }

    @Test
    void tableRecreatedUnderNewOidStartsItsOwnBaseline() {
        Db db = new Db(10, 0, 100);
        pipe(snapshot(at(0), POSTMASTER_START, db, List.of(table("public", "events", 100, 1000, 0, 1000, 0))));
        pipe(snapshot(at(2), POSTMASTER_START, db, List.of(table("public", "events", 100, 1100, 0, 1100, 0))));
        // Dropped and created again: same name, new OID, counters from zero.
        pipe(snapshot(at(4), POSTMASTER_START, db, List.of(table("public", "events", 200, 10, 0, 10, 0))));
        pipe(snapshot(at(6), POSTMASTER_START, db, List.of(table("public", "events", 200, 30, 0, 30, 0))));
        pipe(snapshot(at(12), POSTMASTER_START, db, List.of(table("public", "events", 200, 50, 0, 50, 0))));

        DerivedMetrics window = onlyWindow().value();
        assertThat(window.getTables()).singleElement().satisfies(t -> {
            assertThat(t.getTable().getName()).isEqualTo("events");
            assertThat(t.getTable().getOid()).isEqualTo(200);
            assertThat(t.getModificationsPerS()).as("20 rows over 4→6 only").isCloseTo(10.0, within(1e-9));
            assertThat(t.getNLiveTup()).isEqualTo(30);
        });
        assertThat(pipeline.alerts.isEmpty()).isTrue();
    }

    @Test
    void lateSnapshotWithinGraceCountsInItsWindow() {
        pipe(snapshot(at(1), POSTMASTER_START, new Db(0, 0, 0), List.of()));
        pipe(other(1, 0));
        pipe(snapshot(at(11), POSTMASTER_START, new Db(100, 0, 1000), List.of())); // stream time 11: [0,10) open
        pipe(other(9, 80)); // 2 s behind stream time, within the 2 s grace
        pipe(snapshot(at(13), POSTMASTER_START, new Db(120, 0, 1200), List.of())); // closes [0,10)

        List<TestRecord<String, DerivedMetrics>> out = metrics.readRecordsToList();
        assertThat(out).extracting(TestRecord::key, r -> r.value().getSnapshots(), r -> r.value().getCoveredMs())
                .containsExactlyInAnyOrder(tuple(SOURCE, 1, 0L), tuple("pg-test/other", 2, 8000L));
        DerivedMetrics late = out.stream().filter(r -> r.key().equals("pg-test/other")).findFirst().orElseThrow().value();
        assertThat(late.getDatabase().getXactCommitPerS()).isCloseTo(10.0, within(1e-9));
        assertThat(metrics.isEmpty()).isTrue();
    }

    @Test
    void lateSnapshotBeyondGraceCountsInNoWindowThatClosed() {
        pipe(other(1, 0));
        pipe(other(5, 40));
        pipe(snapshot(at(1), POSTMASTER_START, new Db(0, 0, 0), List.of()));
        pipe(snapshot(at(13), POSTMASTER_START, new Db(100, 0, 1000), List.of())); // closes [0,10) of both
        List<TestRecord<String, DerivedMetrics>> closed = metrics.readRecordsToList();
        assertThat(closed).extracting(TestRecord::key, r -> r.value().getSnapshots(), r -> r.value().getCoveredMs())
                .containsExactlyInAnyOrder(tuple(SOURCE, 1, 0L), tuple("pg-test/other", 2, 4000L));

        pipe(other(9.5, 85)); // 3.5 s behind stream time: its window closed without it
        pipe(other(15, 140));
        pipe(snapshot(at(23), POSTMASTER_START, new Db(200, 0, 2000), List.of())); // closes [10,20)

        List<TestRecord<String, DerivedMetrics>> next = metrics.readRecordsToList();
        DerivedMetrics later = next.stream().filter(r -> r.key().equals("pg-test/other")).findFirst().orElseThrow().value();
        assertThat(later.getWindowStart()).isEqualTo(at(10));
        // Counted from the late snapshot on: 9.5→15. The step 5→9.5 belongs to no window, so nothing counts twice.
        assertThat(later.getSnapshots()).isEqualTo(1);
        assertThat(later.getCoveredMs()).isEqualTo(5500);
        assertThat(later.getDatabase().getXactCommitPerS()).isCloseTo(55 / 5.5, within(1e-9));
        assertThat(next).extracting(TestRecord::key).containsExactlyInAnyOrder(SOURCE, "pg-test/other");
        assertThat(metrics.isEmpty()).isTrue();
    }

    @Test
    void hoppingWindowsAreToldApartByTheirSizeAndCarrySourceWideFiguresOnly() {
        use(settings(new WindowSpec(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10),
                Duration.ofSeconds(2))));
        List<io.pgpulse.avro.TableStats> tables = List.of(table("public", "t", 1, 0, 0, 10, 0));
        pipe(snapshot(at(0), POSTMASTER_START, new Db(0, 0, 0), tables));
        pipe(snapshot(at(5), POSTMASTER_START, new Db(50, 0, 0), tables));
        pipe(snapshot(at(15), POSTMASTER_START, new Db(150, 0, 0), tables)); // closes [0,10) and [-20,10)
        pipe(snapshot(at(25), POSTMASTER_START, new Db(250, 0, 0), tables)); // closes [10,20) and [-10,20)
        pipe(snapshot(at(35), POSTMASTER_START, new Db(350, 0, 0), tables)); // closes [20,30) and [0,30)

        List<TestRecord<String, DerivedMetrics>> out = metrics.readRecordsToList();
        assertThat(out).extracting(r -> r.value().getWindowStart(), r -> r.value().getWindowEnd(),
                        r -> r.value().getWindowSizeMs(), r -> r.value().getWindowAdvanceMs(),
                        r -> r.value().getSnapshots(), r -> r.value().getCoveredMs(), r -> r.value().getTables().size(),
                        TestRecord::timestamp)
                .containsExactly(
                        tuple(at(0), at(10), 10_000L, 10_000L, 2, 5_000L, 1, at(10).toEpochMilli()),
                        tuple(at(-20), at(10), 30_000L, 10_000L, 2, 5_000L, 0, at(10).toEpochMilli()),
                        tuple(at(10), at(20), 10_000L, 10_000L, 1, 10_000L, 1, at(20).toEpochMilli()),
                        tuple(at(-10), at(20), 30_000L, 10_000L, 3, 15_000L, 0, at(20).toEpochMilli()),
                        tuple(at(20), at(30), 10_000L, 10_000L, 1, 10_000L, 1, at(30).toEpochMilli()),
                        tuple(at(0), at(30), 30_000L, 10_000L, 4, 25_000L, 0, at(30).toEpochMilli()));
        DerivedMetrics hopping = out.get(5).value();
        assertThat(hopping.getDatabase().getXactCommitPerS()).isCloseTo(10.0, within(1e-9));
        assertThat(hopping.getIndexes()).isEmpty();
        assertThat(metrics.isEmpty()).isTrue();
    }

    @Test
    void statementLatencyIsACallWeightedPercentileOfTheWindowsMeans() {
        Db db = new Db(0, 0, 0);
        pipe(builder(at(0), POSTMASTER_START, db, List.of())
                .setStatements(statements(statement(1, 1000, 1000), statement(2, 100, 5000), statement(3, 10, 5000))).build());
        // In the window: 90 calls of 1 ms, 9 of 50 ms, 1 of 500 ms. Lifetime means say otherwise.
        pipe(builder(at(4), POSTMASTER_START, db, List.of())
                .setStatements(statements(statement(1, 1090, 1090), statement(2, 109, 5450), statement(3, 11, 5500))).build());
        pipe(builder(at(12), POSTMASTER_START, db, List.of())
                .setStatements(statements(statement(1, 1090, 1090), statement(2, 109, 5450), statement(3, 11, 5500))).build());

        DerivedMetrics window = onlyWindow().value();
        assertThat(window.getStatements().getCalls()).isEqualTo(100);
        assertThat(window.getStatements().getCallsPerS()).isCloseTo(25.0, within(1e-9));
        // 95 of the 100 calls are reached with the 50 ms statement.
        assertThat(window.getStatements().getP95MeanExecTimeMs()).isCloseTo(50.0, within(1e-9));
        assertThat(window.getStatements().getSlowStatements()).isEqualTo(1);
        assertThat(window.getStatements().getTop()).extracting(StatementMetrics::getQueryid, StatementMetrics::getCalls,
                        StatementMetrics::getMeanExecTimeMs)
                .containsExactly(tuple(1L, 90L, 1.0), tuple(2L, 9L, 50.0), tuple(3L, 1L, 500.0));
    }

    @Test
    void undecodableRecordGoesToDeadLetterTopicAndGoodOnesFlow() {
        byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
        pipeline.snapshots.pipeInput(SOURCE, garbage, at(0));
        pipe(snapshot(at(1), POSTMASTER_START, new Db(10, 0, 100), List.of()));
        pipe(snapshot(at(12), POSTMASTER_START, new Db(20, 0, 200), List.of()));

        List<TestRecord<String, byte[]>> dead = pipeline.deadLetters.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).isEqualTo(SOURCE);
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        Header reason = dead.get(0).headers().lastHeader(DeadLetterHeaders.REASON);
        assertThat(new String(reason.value(), StandardCharsets.UTF_8)).contains("magic byte");
        assertThat(new String(dead.get(0).headers().lastHeader(DeadLetterHeaders.OFFSET).value(), StandardCharsets.UTF_8))
                .isEqualTo("0");
        assertThat(metrics.readValuesToList()).extracting(DerivedMetrics::getSnapshots).containsExactly(1);
        assertThat(pipeline.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void theStateCacheChangesNothingThatComesOut() {
        PipelineTopology.Settings cached = settings(new WindowSpec(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofSeconds(2)));
        PipelineTopology.Settings uncached = new PipelineTopology.Settings(cached.windows(), cached.remediationPatience(),
                cached.slowStatementMs(), cached.silenceCheck(), cached.closeBudget(), cached.closeSpread(),
                cached.drainInterval(), cached.stores(), 0);
        List<List<String>> outputs = new java.util.ArrayList<>();
        for (PipelineTopology.Settings s : List.of(cached, uncached)) {
            use(s);
            for (int k = 0; k < 40; k++) {
                long dead = k % 7 < 3 ? 5_000 : 100;
                // Tables in most snapshots, not in every one; now and then the database is down.
                List<io.pgpulse.avro.TableStats> tables = k % 5 == 4 ? null
                        : List.of(table("public", "t", 1, 100L * k, 10L * k, 10_000, dead));
                if (k % 11 == 10) {
                    pipe(SnapshotFixtures.down(at(3 * k)));
                } else {
                    pipe(builder(at(3 * k), POSTMASTER_START, new Db(10L * k, k, 100L * k), List.of()).setTables(tables).build());
                }
            }
            List<String> out = new java.util.ArrayList<>();
            metrics.readRecordsToList().forEach(r -> out.add(r.key() + " " + r.timestamp() + " " + r.value()));
            pipeline.alerts.readRecordsToList().forEach(r -> out.add(r.key() + " " + r.timestamp() + " " + r.value()));
            outputs.add(out);
        }
        assertThat(outputs.get(0)).hasSizeGreaterThan(20).isEqualTo(outputs.get(1));
    }

    @Test
    void spreadClosesComeOutOverSeveralSnapshotsAndAreTheSameWindows() {
        // Twenty sources, each a snapshot every 2 s, in step: every source's window ends at the same instant.
        PipelineTopology.Settings now = settings(new WindowSpec(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofSeconds(2)));
        PipelineTopology.Settings spread = now.withCloseSpread(Duration.ofSeconds(3));
        List<java.util.Set<String>> windows = new java.util.ArrayList<>();
        List<java.util.Set<Integer>> emittedAfter = new java.util.ArrayList<>();
        for (PipelineTopology.Settings s : List.of(now, spread)) {
            use(s);
            java.util.Set<String> out = new java.util.HashSet<>();
            java.util.Map<String, Integer> stepOfWindow = new java.util.HashMap<>();
            int step = 0;
            for (int k = 0; k < 30; k++) {
                for (int source = 0; source < 20; source++) {
                    pipe(builder(at(2 * k + source * 0.01), POSTMASTER_START, new Db(10L * k, k, 100L * k), List.of())
                            .setSourceId("pg/db" + source).setDatabase("db" + source).build());
                    step++;
                    for (var r : metrics.readRecordsToList()) {
                        assertThat(out.add(r.key() + " " + r.timestamp() + " " + r.value()))
                                .as("each window once: %s at %d", r.key(), r.timestamp()).isTrue();
                        stepOfWindow.merge(r.value().getWindowSizeMs() + "@" + r.timestamp(), step, Math::max);
                        stepOfWindow.merge("first " + r.value().getWindowSizeMs() + "@" + r.timestamp(), step, Math::min);
                    }
                }
            }
            windows.add(out);
            // How many snapshots it took from the first source's to the last source's close of one window.
            java.util.Set<Integer> spans = new java.util.HashSet<>();
            stepOfWindow.forEach((k, last) -> {
                if (!k.startsWith("first ")) {
                    spans.add(last - stepOfWindow.get("first " + k));
                }
            });
            emittedAfter.add(spans);
        }
        assertThat(windows.get(0)).hasSizeGreaterThan(100).isEqualTo(windows.get(1));
        // Closed at once, every source's window comes out within a budget's reach of one snapshot;
        // spread over 3 s of stream time (30 snapshots of 20 sources a second here), over many more.
        assertThat(java.util.Collections.max(emittedAfter.get(0))).isLessThan(20);
        assertThat(java.util.Collections.min(emittedAfter.get(1))).isGreaterThan(20);
    }

    @Test
    void perTableFiguresAreGaugesOfTheLastSnapshotAndRatesOfTheWindow() {
        Db db = new Db(0, 0, 0);
        pipe(snapshot(at(0), POSTMASTER_START, db, List.of(table("public", "t", 7, 100, 0, 1000, 10))));
        pipe(snapshot(at(5), POSTMASTER_START, db, List.of(table("public", "t", 7, 150, 50, 1000, 300))));
        pipe(snapshot(at(12), POSTMASTER_START, db, List.of(table("public", "t", 7, 150, 50, 1000, 0))));

        TableMetrics t = onlyWindow().value().getTables().get(0);
        assertThat(t.getModificationsPerS()).isCloseTo(100 / 5.0, within(1e-9));
        assertThat(t.getNDeadTup()).isEqualTo(300);
        assertThat(t.getDeadTupleRatio()).isCloseTo(0.3, within(1e-9));
        assertThat(t.getTable().getSchemaName()).isEqualTo("public");
    }
}
