package io.pgpulse.sink.channel;

import static io.pgpulse.sink.testing.TestAlerts.firing;
import static io.pgpulse.sink.testing.TestAlerts.resolved;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertmanagerAlertsTest {

    private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");

    @Test
    void firingAlertStaysValidForFourResendsAndResolvedOneEndsWhenItEnded() {
        Alert alert = firing("table_bloat", Severity.WARNING, "pg/app", "t", T0);
        Instant now = T0.plusSeconds(100);
        JsonNode body = AlertmanagerAlerts.of(List.of(alert, resolved(alert, T0.plusSeconds(90))), now,
                Duration.ofMinutes(1), null);
        assertThat(body.get(0).path("startsAt").asText()).isEqualTo(T0.toString());
        assertThat(body.get(0).path("endsAt").asText()).isEqualTo(now.plus(Duration.ofMinutes(4)).toString());
        assertThat(body.get(1).path("endsAt").asText()).isEqualTo(T0.plusSeconds(90).toString());
        assertThat(body.get(0).has("generatorURL")).isFalse();
        assertThat(body.get(0).path("annotations").path("summary").asText()).isEqualTo(alert.getSummary());
        assertThat(body.get(0).path("annotations").path("fingerprint").asText()).isEqualTo(alert.getFingerprint());
    }

    @Test
    void tagNamesAlertmanagerWouldRefuseAreMadeLegal() {
        Map<String, String> labels = new HashMap<>(firing("x", Severity.INFO, "pg/app", null, T0).getLabels());
        labels.put("team-name", "dba");
        labels.put("1st.tier", "yes");
        Alert alert = Alert.newBuilder(firing("x", Severity.INFO, "pg/app", null, T0)).setLabels(labels).build();
        JsonNode posted = AlertmanagerAlerts.of(List.of(alert), T0, Duration.ofMinutes(1), "http://p/").get(0).path("labels");
        assertThat(posted.path("team_name").asText()).isEqualTo("dba");
        assertThat(posted.path("_1st_tier").asText()).isEqualTo("yes");
        assertThat(posted.path("source").asText()).isEqualTo("pg/app");
    }
}
