package io.pgpulse.sink.remediation;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.avro.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Follows a remediated alert to its end. When the alert resolves after its command
 * ran, the resolution carries the command and its measured effect. When the command
 * failed, or ran but the alert is still firing {@code patience} later, the alert is
 * escalated once (severity raised, the reason in its annotations) so that a person
 * looks at it, instead of the fleet retrying the same fix forever.
 */
public final class RemediationFollowUp {

    private final Duration patience;
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    private final Map<String, CommandResult> results = new HashMap<>();
    private final Map<String, Instant> resultSeenAt = new HashMap<>();
    private final Map<String, Boolean> escalated = new HashMap<>();

    public RemediationFollowUp(Duration patience) {
        this.patience = patience;
    }

    /**
     * Takes an alert event and returns it as it should be delivered: a RESOLVED event
     * of a remediated alert carries the command and its effect in its annotations.
     */
    public synchronized Alert onAlert(Alert alert) {
        if (alert.getStatus() == AlertStatus.FIRING) {
            firing.put(alert.getFingerprint(), alert);
            return alert;
        }
        Alert annotated = annotate(alert, results.get(alert.getFingerprint()));
        firing.remove(alert.getFingerprint());
        results.remove(alert.getFingerprint());
        resultSeenAt.remove(alert.getFingerprint());
        escalated.remove(alert.getFingerprint());
        return annotated;
    }

    /** Takes a final command result; interim ones (a lock-timeout retry pending) are ignored. */
    public synchronized void onResult(CommandResult result, Instant now) {
        if (result.getAlertFingerprint() == null || result.getOutcome() == CommandOutcome.RETRY_LATER
                || !firing.containsKey(result.getAlertFingerprint())) {
            return; // only open incidents are followed, which keeps this bounded
        }
        results.put(result.getAlertFingerprint(), result);
        resultSeenAt.put(result.getAlertFingerprint(), now);
    }

    private static Alert annotate(Alert alert, CommandResult result) {
        if (result == null) {
            return alert;
        }
        Map<String, String> annotations = new HashMap<>(alert.getAnnotations());
        annotations.put("remediation", describe(result));
        return Alert.newBuilder(alert).setAnnotations(annotations).build();
    }

    /** Escalations due now: each at most once per incident. */
    public synchronized List<Alert> escalations(Instant now) {
        List<Alert> out = new ArrayList<>();
        for (Alert alert : firing.values()) {
            CommandResult result = results.get(alert.getFingerprint());
            if (result == null || escalated.containsKey(alert.getFingerprint())) {
                continue;
            }
            String why = null;
            if (result.getOutcome() == CommandOutcome.FAILED) {
                why = "remediation failed: " + result.getReason();
            } else if (result.getOutcome() == CommandOutcome.DONE
                    && now.isAfter(resultSeenAt.get(alert.getFingerprint()).plus(patience))) {
                why = "remediation ran (" + describe(result) + ") but the alert is still firing "
                        + patience.toMinutes() + " min later";
            }
            if (why != null) {
                escalated.put(alert.getFingerprint(), true);
                Map<String, String> annotations = new HashMap<>(alert.getAnnotations());
                annotations.put("escalated", why);
                Map<String, String> labels = new HashMap<>(alert.getLabels());
                Severity raised = raise(alert.getSeverity());
                labels.put("severity", raised.name().toLowerCase(Locale.ROOT));
                out.add(Alert.newBuilder(alert).setSeverity(raised).setLabels(labels).setAnnotations(annotations)
                        .setEventAt(now).build());
            }
        }
        return out;
    }

    static String describe(CommandResult result) {
        StringBuilder text = new StringBuilder(result.getOutcome().name());
        if (result.getStatement() != null) {
            text.append(' ').append(result.getStatement());
        }
        text.append(" at ").append(result.getFinishedAt());
        ObjectState before = result.getBefore();
        ObjectState after = result.getAfter();
        if (before != null && after != null) {
            if (before.getNDeadTup() != null && after.getNDeadTup() != null) {
                text.append(String.format(Locale.ROOT, "; dead tuples %,d -> %,d", before.getNDeadTup(), after.getNDeadTup()));
            }
            text.append(String.format(Locale.ROOT, "; size %,d -> %,d bytes", before.getSizeBytes(), after.getSizeBytes()));
        }
        if (result.getReason() != null) {
            text.append(" (").append(result.getReason()).append(')');
        }
        return text.toString();
    }


    private static Severity raise(Severity severity) {
        return severity == Severity.INFO ? Severity.WARNING : Severity.CRITICAL;
    }
}
