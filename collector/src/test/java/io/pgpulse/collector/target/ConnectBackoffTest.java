package io.pgpulse.collector.target;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConnectBackoffTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void connectionFailuresDoubleUpToTheFastAttemptsThenSettleOnTheMaximum() {
        ConnectBackoff backoff = new ConnectBackoff(Duration.ofSeconds(10), 5, Duration.ofSeconds(60), Duration.ofMinutes(10));
        assertThat(backoff.mayAttempt(T0)).isTrue();
        assertThat(backoff.failed(T0, false)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.mayAttempt(T0.plusSeconds(9))).isFalse();
        assertThat(backoff.mayAttempt(T0.plusSeconds(10))).isTrue();
        assertThat(backoff.failed(T0, false)).isEqualTo(Duration.ofSeconds(20));
        assertThat(backoff.failed(T0, false)).isEqualTo(Duration.ofSeconds(40));
        assertThat(backoff.failed(T0, false)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.failed(T0, false)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.failed(T0, false)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.failures()).isEqualTo(6);
    }

    @Test
    void authenticationFailuresWaitTheLongDelayAndSuccessResets() {
        ConnectBackoff backoff = new ConnectBackoff(Duration.ofSeconds(1), 5, Duration.ofSeconds(60), Duration.ofMinutes(10));
        assertThat(backoff.failed(T0, true)).isEqualTo(Duration.ofMinutes(10));
        assertThat(backoff.mayAttempt(T0.plusSeconds(599))).isFalse();
        backoff.succeeded();
        assertThat(backoff.mayAttempt(T0)).isTrue();
        assertThat(backoff.failures()).isZero();
        assertThat(backoff.failed(T0, false)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void sqlstateClasses() {
        assertThat(SnapshotCollector.errorClass("08001")).isEqualTo("connection");
        assertThat(SnapshotCollector.errorClass("57P01")).isEqualTo("connection");
        assertThat(SnapshotCollector.errorClass("28P01")).isEqualTo("authentication");
        assertThat(SnapshotCollector.errorClass("57014")).isEqualTo("timeout");
        assertThat(SnapshotCollector.errorClass("55P03")).isEqualTo("timeout");
        assertThat(SnapshotCollector.errorClass("42501")).isEqualTo("permission");
        assertThat(SnapshotCollector.errorClass("42P01")).isEqualTo("query");
        assertThat(SnapshotCollector.errorClass(null)).isEqualTo("other");
        assertThat(SnapshotCollector.isConnectionLoss(new java.sql.SQLException("x", "08006"))).isTrue();
        assertThat(SnapshotCollector.isConnectionLoss(new java.sql.SQLException("x", "42P01"))).isFalse();
    }
}
