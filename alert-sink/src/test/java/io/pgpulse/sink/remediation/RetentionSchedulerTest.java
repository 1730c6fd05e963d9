package io.pgpulse.sink.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.TableMetrics;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.MaintenanceWindow;
import io.pgpulse.schemas.command.SigningKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RetentionSchedulerTest {

    private static final SigningKeys KEYS = SigningKeys.parse(SigningKeys.generate("sink"));
    private static final Instant NIGHT = Instant.parse("2026-11-25T02:00:00Z"); // a Wednesday
    private static final RemediationPolicy.Retention AUDIT = new RemediationPolicy.Retention("public", "audit_logs",
            "created_at", Duration.ofDays(90), 5000, 100, Duration.ofDays(1), Map.of("env", "prod"));

    private static RemediationPolicy policy(List<MaintenanceWindow> windows) {
        return new RemediationPolicy(List.of(), windows, Duration.ofMinutes(10), Duration.ofMinutes(15), false, List.of(AUDIT));
    }

    private static DerivedMetrics window(String source, String env, String table) {
        TableMetrics metrics = TableMetrics.newBuilder()
                .setTable(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public").setName(table)
                        .setOid(24601).build())
                .setNLiveTup(1_000_000).setNDeadTup(0).setNModSinceAnalyze(0).setModificationsPerS(10)
                .setSeqScanPerS(0).setIdxScanPerS(1).build();
        return DerivedMetrics.newBuilder()
                .setSourceId(source).setWindowStart(NIGHT.minusSeconds(60)).setWindowEnd(NIGHT).setSnapshots(6)
                .setCoveredMs(60_000).setUp(true).setTags(Map.of("env", env)).setTables(List.of(metrics)).build();
    }

    private static RetentionScheduler scheduler(RemediationPolicy policy, AtomicBoolean paused, Instant now) {
        return new RetentionScheduler(policy, KEYS, paused::get, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void oneSignedCleanupPerSourceAndPeriodForTablesTheMetricsShow() {
        RetentionScheduler scheduler = scheduler(policy(List.of()), new AtomicBoolean(), NIGHT);
        List<MaintenanceCommand> due = scheduler.onMetrics(window("pg-01/app", "prod", "audit_logs"));
        assertThat(due).singleElement().satisfies(command -> {
            assertThat(command.getAction()).isEqualTo(MaintenanceAction.RETENTION_DELETE);
            assertThat(command.getTarget().getOid()).isEqualTo(24601);
            assertThat(command.getRetention().getTimestampColumn()).isEqualTo("created_at");
            assertThat(command.getRetention().getOlderThanMs()).isEqualTo(Duration.ofDays(90).toMillis());
            assertThat(command.getRetention().getBatchRows()).isEqualTo(5000);
            assertThat(CommandSignature.problem(command, KEYS)).isEmpty();
        });
        assertThat(scheduler.onMetrics(window("pg-01/app", "prod", "audit_logs"))).as("same period").isEmpty();
        assertThat(scheduler.onMetrics(window("pg-02/app", "prod", "audit_logs"))).as("another source").hasSize(1);
        assertThat(scheduler.onMetrics(window("pg-03/app", "staging", "audit_logs"))).as("tags do not match").isEmpty();
        assertThat(scheduler.onMetrics(window("pg-04/app", "prod", "users"))).as("no such table").isEmpty();

        // A restarted sink that knows what went out asks nothing new in the same period; the next day it does.
        IssuedCommands issued = new IssuedCommands();
        issued.add(due.get(0).getCommandId());
        RetentionScheduler restarted = scheduler(policy(List.of()), new AtomicBoolean(), NIGHT.plusSeconds(3600));
        restarted.rememberIssued(issued);
        assertThat(restarted.onMetrics(window("pg-01/app", "prod", "audit_logs"))).isEmpty();
        assertThat(scheduler(policy(List.of()), new AtomicBoolean(), NIGHT.plus(Duration.ofDays(1)))
                .onMetrics(window("pg-01/app", "prod", "audit_logs"))).hasSize(1);
    }

    @Test
    void nothingWhilePausedOrOutsideTheWindows() {
        MaintenanceWindow lateNight = MaintenanceWindow.parse("mon-sun 01:00-05:00 UTC");
        assertThat(scheduler(policy(List.of(lateNight)), new AtomicBoolean(true), NIGHT)
                .onMetrics(window("pg-01/app", "prod", "audit_logs"))).as("paused").isEmpty();
        assertThat(scheduler(policy(List.of(lateNight)), new AtomicBoolean(), NIGHT.plus(Duration.ofHours(10)))
                .onMetrics(window("pg-01/app", "prod", "audit_logs"))).as("noon").isEmpty();
        assertThat(scheduler(policy(List.of(lateNight)), new AtomicBoolean(), NIGHT)
                .onMetrics(window("pg-01/app", "prod", "audit_logs"))).as("inside the window").hasSize(1);
    }
}
