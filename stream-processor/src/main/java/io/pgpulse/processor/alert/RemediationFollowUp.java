package io.pgpulse.processor.alert;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.avro.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an open incident's remediation means for its alert. A resolution after a
 * command ran names the command and its measured effect. A command that failed, or
 * that ran while the condition still holds {@code patience} later, escalates the
 * incident once (severity up, the reason in {@code escalation}) so that a person looks
 * at it instead of the fleet retrying the same fix forever. Pure logic: the
 * {@link AlertLifecycleProcessor} keeps the results and calls it.
 */
public final class RemediationFollowUp {

    /** How long a remediated incident may keep firing before a person is called, unless configured. */
    public static final Duration DEFAULT_PATIENCE = Duration.ofMinutes(10);

    private final Duration patience;

    public RemediationFollowUp(Duration patience) {
        this.patience = Objects.requireNonNull(patience, "patience");
        if (patience.isNegative()) {
            throw new IllegalArgumentException("patience must not be negative, found " + patience);
        }
    }

    /** Whether a result settles what was done for its incident; a lock-timeout retry is only interim. */
    public static boolean isFinal(CommandResult result) {
        return result.getOutcome() != CommandOutcome.RETRY_LATER;
    }

    /** The resolution of {@code resolved}, with its remediation named when one ran. */
    public Alert annotateResolution(Alert resolved, CommandResult result) {
        if (result == null) {
            return resolved;
        }
        Map<String, String> annotations = new HashMap<>(resolved.getAnnotations());
        annotations.put("remediation", describe(result));
        return Alert.newBuilder(resolved).setAnnotations(annotations).build();
    }

    /**
     * The escalation of {@code open} due at {@code now}, if any: at most one per incident
     * (an alert already escalated is not escalated again). A dry run or a refused command
     * (SKIPPED) changes nothing: nothing ran, so nothing failed.
     */
    public Optional<Alert> escalation(Alert open, CommandResult result, Instant now) {
        if (result == null || open.getEscalation() != null) {
            return Optional.empty();
        }
        String why = switch (result.getOutcome()) {
            case FAILED -> "remediation failed: " + result.getReason();
            case DONE -> now.isBefore(result.getFinishedAt().plus(patience)) ? null
                    : "remediation ran (" + describe(result) + ") but the condition still held "
                    + human(patience) + " later";
            case SKIPPED, RETRY_LATER -> null;
        };
        if (why == null) {
            return Optional.empty();
        }
        Severity raised = raise(open.getSeverity());
        Map<String, String> labels = new HashMap<>(open.getLabels());
        labels.put("severity", raised.name().toLowerCase(Locale.ROOT));
        return Optional.of(Alert.newBuilder(open)
                .setSeverity(raised)
                .setLabels(labels)
                .setEscalation(why)
                .setEventAt(now)
                .build());
    }

    /** One line a person reads: outcome, statement, when, and the measured effect. */
    public static String describe(CommandResult result) {
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

    private static String human(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
    }

    private static Severity raise(Severity severity) {
        return severity == Severity.INFO ? Severity.WARNING : Severity.CRITICAL;
    }
}
