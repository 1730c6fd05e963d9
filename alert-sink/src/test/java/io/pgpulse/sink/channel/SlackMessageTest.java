package io.pgpulse.sink.channel;

import static io.pgpulse.sink.testing.TestAlerts.firing;
import static io.pgpulse.sink.testing.TestAlerts.resolved;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlackMessageTest {

    private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");

    private static Notification news(Alert... alerts) {
        return new Notification("route{}", Map.of("alertname", alerts[0].getRule()), List.of(alerts), List.of(), false);
    }

    @Test
    void colourFollowsSeverityAndTurnsGreenOnResolve() {
        Alert critical = firing("xid_wraparound", Severity.CRITICAL, "pg/app", null, T0);
        Alert warning = firing("table_bloat", Severity.WARNING, "pg/app", "t", T0);
        Alert info = firing("stale_statistics", Severity.INFO, "pg/app", "t", T0);
        JsonNode body = SlackMessage.of(news(critical, warning, info, resolved(critical, T0.plusSeconds(60))), null, null);
        assertThat(body.path("attachments").findValuesAsText("color")).containsExactly(
                SlackMessage.CRITICAL_COLOR, SlackMessage.WARNING_COLOR, SlackMessage.INFO_COLOR, SlackMessage.RESOLVED_COLOR);
        assertThat(body.path("text").asText()).isEqualTo("[FIRING:3] [RESOLVED:1] {alertname=xid_wraparound}");
        assertThat(body.has("channel")).isFalse();
    }

    @Test
    void textRunbookGetsTheChannelsLinkAndALinkRunbookIsUsedAsIs() {
        Alert alert = firing("table_bloat", Severity.WARNING, "pg/app", "t", T0);
        JsonNode templated = SlackMessage.of(news(alert), "#dba", "https://wiki.example.com/runbooks/{{alertname}}");
        assertThat(templated.path("channel").asText()).isEqualTo("#dba");
        assertThat(templated.path("attachments").get(0).path("blocks").get(2).path("elements").get(0).path("text").asText())
                .isEqualTo("<https://wiki.example.com/runbooks/table_bloat|Runbook> · Look at table_bloat &lt;carefully&gt; &amp; soon");

        Alert linked = Alert.newBuilder(alert).setRunbook("https://runbooks.example.com/bloat").build();
        JsonNode own = SlackMessage.of(news(linked), null, "https://wiki.example.com/runbooks/{{alertname}}");
        assertThat(own.path("attachments").get(0).path("blocks").get(2).path("elements").get(0).path("text").asText())
                .isEqualTo("<https://runbooks.example.com/bloat|Runbook>");
    }

    @Test
    void reminderSaysStillFiring() {
        Alert alert = firing("table_bloat", Severity.WARNING, "pg/app", "t", T0);
        JsonNode body = SlackMessage.of(new Notification("k", Map.of(), List.of(alert), List.of(alert), true), null, null);
        assertThat(body.path("text").asText()).startsWith("[STILL FIRING] [FIRING:1]");
        assertThat(body.path("attachments").get(0).path("fallback").asText()).startsWith("[STILL FIRING] table_bloat");
    }
}
