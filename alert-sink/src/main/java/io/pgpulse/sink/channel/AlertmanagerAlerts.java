package io.pgpulse.sink.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v2/alerts} (Alertmanager's OpenAPI spec,
 * {@code api/v2/openapi.yaml}: a list of {@code postableAlert}). A firing alert gets
 * {@code endsAt} a few resend intervals ahead, as Prometheus does
 * ({@code rules/alerting.go}, {@code ValidUntil}): if pgpulse stops re-posting it, it
 * resolves by itself instead of firing forever. A resolved alert gets its real end.
 */
public final class AlertmanagerAlerts {

    /** How many resend intervals a firing alert stays valid without being posted again. */
    public static final int VALIDITY_RESENDS = 4;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern ILLEGAL = Pattern.compile("[^a-zA-Z0-9_]");

    private AlertmanagerAlerts() {
    }

    /**
     * @param generatorUrl base of the link back to pgpulse (the fingerprint is appended), or null
     */
    public static ArrayNode of(Iterable<Alert> alerts, Instant now, Duration resendInterval, String generatorUrl) {
        ArrayNode body = JSON.createArrayNode();
        for (Alert alert : alerts) {
            ObjectNode posted = body.addObject();
            ObjectNode labels = posted.putObject("labels");
            for (Map.Entry<String, String> label : alert.getLabels().entrySet()) {
                labels.put(labelName(label.getKey()), label.getValue());
            }
            labels.put("alertname", alert.getRule());
            labels.put("severity", alert.getSeverity().name().toLowerCase(Locale.ROOT));
            labels.put("source", alert.getSourceId());
            ObjectNode annotations = posted.putObject("annotations");
            alert.getAnnotations().forEach(annotations::put);
            annotations.put("summary", alert.getSummary());
            if (alert.getRunbook() != null) {
                annotations.put("runbook", alert.getRunbook());
            }
            annotations.put("value", alert.getValue() == null ? "n/a" : String.valueOf(alert.getValue()));
            annotations.put("threshold", String.valueOf(alert.getThreshold()));
            annotations.put("fingerprint", alert.getFingerprint());
            if (alert.getEscalation() != null) {
                annotations.put("escalation", alert.getEscalation());
            }
            posted.put("startsAt", alert.getStartsAt().toString());
            Instant endsAt = alert.getStatus() == AlertStatus.RESOLVED && alert.getEndsAt() != null
                    ? alert.getEndsAt()
                    : now.plus(resendInterval.multipliedBy(VALIDITY_RESENDS));
            posted.put("endsAt", endsAt.toString());
            if (generatorUrl != null) {
                posted.put("generatorURL", generatorUrl + alert.getFingerprint());
            }
        }
        return body;
    }

    /** Alertmanager accepts only Prometheus label names; tags may hold other characters. */
    static String labelName(String name) {
        if (LABEL_NAME.matcher(name).matches()) {
            return name;
        }
        String cleaned = ILLEGAL.matcher(name).replaceAll("_");
        return Character.isDigit(cleaned.charAt(0)) ? "_" + cleaned : cleaned;
    }
}
