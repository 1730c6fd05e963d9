package io.pgpulse.sink.routing;

import static io.pgpulse.sink.testing.TestAlerts.firing;
import static io.pgpulse.sink.testing.TestAlerts.resolved;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class AlertGroupsTest {

    private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");
    private static final TopicPartition P0 = new TopicPartition("pgpulse.alerts.v1", 0);

    private static final Route ROUTE = new Route("route", "hook", List.of(), List.of("source"), Duration.ofSeconds(30),
            Duration.ofMinutes(5), Duration.ofHours(4), false, List.of());

    private static final InhibitRule DOWN_MUTES_THE_REST = new InhibitRule(
            List.of(Matcher.parse("alertname=\"database_down\"")),
            List.of(Matcher.parse("alertname!=\"database_down\"")), List.of("source"));

    private long offset;

    private void add(AlertGroups groups, Alert alert, Instant now) {
        groups.observe(alert);
        groups.add(ROUTE, alert, P0, offset++, now);
    }

    private static List<String> told(List<AlertGroups.Due> due) {
        List<String> out = new ArrayList<>();
        for (AlertGroups.Due d : due) {
            d.notification().changed().forEach(a -> out.add(a.getStatus() + " " + a.getRule() + " " + a.getSourceId()));
        }
        return out;
    }

    private static void deliverAll(AlertGroups groups, Instant now) {
        groups.due(now).forEach(d -> groups.delivered(d, now));
    }

    @Test
    void groupWaitsThenTellsItsAlertsTogetherAndHoldsTheirOffsets() {
        AlertGroups groups = new AlertGroups(Optional.empty(), List.of(), Muting.none());
        add(groups, firing("table_bloat", Severity.WARNING, "pg/app", "a", T0), T0);
        add(groups, firing("table_bloat", Severity.WARNING, "pg/app", "b", T0), T0.plusSeconds(10));
        add(groups, firing("table_bloat", Severity.WARNING, "pg/other", "a", T0), T0.plusSeconds(10));

        assertThat(groups.due(T0.plusSeconds(29))).isEmpty();
        assertThat(groups.pinnedOffsets()).containsEntry(P0, 0L);

        List<AlertGroups.Due> due = groups.due(T0.plusSeconds(30));
        assertThat(due).hasSize(1);
        assertThat(due.get(0).notification().groupLabels()).isEqualTo(Map.of("source", "pg/app"));
        assertThat(told(due)).containsExactly("FIRING table_bloat pg/app", "FIRING table_bloat pg/app");
        groups.delivered(due.get(0), T0.plusSeconds(30));
        // pg/other's group (created at +10 s) still holds offset 2.
        assertThat(groups.pinnedOffsets()).containsExactly(Map.entry(P0, 2L));

        assertThat(told(groups.due(T0.plusSeconds(40)))).containsExactly("FIRING table_bloat pg/other");
    }

    @Test
    void resolutionWaitsForGroupIntervalAndEmptyGroupIsForgotten() {
        AlertGroups groups = new AlertGroups(Optional.empty(), List.of(), Muting.none());
        Alert alert = firing("table_bloat", Severity.WARNING, "pg/app", "a", T0);
        add(groups, alert, T0);
        deliverAll(groups, T0.plusSeconds(30));
        add(groups, resolved(alert, T0.plusSeconds(60)), T0.plusSeconds(60));

        assertThat(groups.due(T0.plusSeconds(60))).isEmpty();
        List<AlertGroups.Due> due = groups.due(T0.plusSeconds(30 + 300));
        assertThat(told(due)).containsExactly("RESOLVED table_bloat pg/app");
        groups.delivered(due.get(0), T0.plusSeconds(330));
        assertThat(groups.size()).isZero();
        assertThat(groups.pinnedOffsets()).isEmpty();
    }

    @Test
    void stillFiringGroupIsRemindedAfterRepeatIntervalOrTheChannelsResend() {
        AlertGroups groups = new AlertGroups(Optional.empty(), List.of(), Muting.none());
        add(groups, firing("xid_wraparound", Severity.CRITICAL, "pg/app", null, T0), T0);
        deliverAll(groups, T0.plusSeconds(30));
        assertThat(groups.due(T0.plusSeconds(30).plus(Duration.ofHours(4)).minusSeconds(1))).isEmpty();
        List<AlertGroups.Due> reminder = groups.due(T0.plusSeconds(30).plus(Duration.ofHours(4)));
        assertThat(reminder).singleElement().satisfies(d -> assertThat(d.notification().repeat()).isTrue());
        assertThat(told(reminder)).containsExactly("FIRING xid_wraparound pg/app");

        AlertGroups alertmanager = new AlertGroups(Optional.of(Duration.ofMinutes(1)), List.of(), Muting.none());
        add(alertmanager, firing("xid_wraparound", Severity.CRITICAL, "pg/app", null, T0), T0);
        deliverAll(alertmanager, T0.plusSeconds(30));
        assertThat(alertmanager.due(T0.plusSeconds(90))).singleElement()
                .satisfies(d -> assertThat(d.notification().firing()).hasSize(1));
    }

    @Test
    void databaseDownMutesThatDatabasesOtherAlertsOnly() {
        AlertGroups groups = new AlertGroups(Optional.empty(), List.of(DOWN_MUTES_THE_REST), Muting.none());
        add(groups, firing("database_down", Severity.CRITICAL, "pg/app", null, T0), T0);
        Alert cache = firing("cache_hit_ratio_low", Severity.WARNING, "pg/app", null, T0);
        add(groups, cache, T0);
        add(groups, firing("cache_hit_ratio_low", Severity.WARNING, "pg/other", null, T0), T0);

        List<AlertGroups.Due> due = groups.due(T0.plusSeconds(30));
        assertThat(told(due)).containsExactlyInAnyOrder("FIRING database_down pg/app", "FIRING cache_hit_ratio_low pg/other");
        due.forEach(d -> groups.delivered(d, T0.plusSeconds(30)));
        assertThat(groups.pinnedOffsets()).as("a muted event is handled: its offset is free").isEmpty();

        // Its firing was never told, so neither is its resolution.
        add(groups, resolved(cache, T0.plusSeconds(100)), T0.plusSeconds(100));
        assertThat(told(groups.due(T0.plusSeconds(400)))).isEmpty();
    }

    @Test
    void silencedAlertIsLeftOutUntilTheSilenceEnds() {
        Silence silence = new Silence("s1", List.of(Matcher.parse("source=\"pg/app\"")), T0, T0.plus(Duration.ofHours(1)),
                "test", "maintenance");
        AlertGroups groups = new AlertGroups(Optional.empty(), List.of(), (labels, now) -> silence.mutes(labels, now));
        add(groups, firing("table_bloat", Severity.WARNING, "pg/app", "a", T0), T0);

        List<AlertGroups.Due> due = groups.due(T0.plusSeconds(30));
        assertThat(due).singleElement().satisfies(d -> assertThat(d.empty()).isTrue());
        deliverAll(groups, T0.plusSeconds(30));
        // After the silence, the reminder tells it.
        List<AlertGroups.Due> later = groups.due(T0.plusSeconds(30).plus(Duration.ofHours(4)));
        assertThat(told(later)).containsExactly("FIRING table_bloat pg/app");
    }

    @Test
    void failedDeliveryKeepsEverythingAndRetriesWithGrowingPauses() {
        AlertGroups groups = new AlertGroups(Optional.empty(), List.of(), Muting.none());
        add(groups, firing("table_bloat", Severity.WARNING, "pg/app", "a", T0), T0);
        AlertGroups.Due first = groups.due(T0.plusSeconds(30)).get(0);
        groups.failed(first, T0.plusSeconds(30));
        assertThat(groups.failing()).isTrue();
        assertThat(groups.pinnedOffsets()).containsEntry(P0, 0L);
        assertThat(groups.due(T0.plusSeconds(30))).isEmpty();
        AlertGroups.Due second = groups.due(T0.plusSeconds(31)).get(0);
        groups.failed(second, T0.plusSeconds(31));
        assertThat(groups.due(T0.plusSeconds(32))).isEmpty();
        List<AlertGroups.Due> third = groups.due(T0.plusSeconds(33));
        assertThat(told(third)).containsExactly("FIRING table_bloat pg/app");
        groups.delivered(third.get(0), T0.plusSeconds(33));
        assertThat(groups.failing()).isFalse();
        assertThat(groups.pinnedOffsets()).isEmpty();
        assertThat(third.get(0).notification().changed()).extracting(Alert::getStatus).containsExactly(AlertStatus.FIRING);
    }
}
