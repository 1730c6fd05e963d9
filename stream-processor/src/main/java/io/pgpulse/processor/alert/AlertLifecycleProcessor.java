package io.pgpulse.processor.alert;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.processor.rule.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The alert lifecycle, per (rule, source, object): nothing → PENDING when the rule's
 * condition first holds → FIRING once it has held for the rule's {@code for} →
 * RESOLVED when its resolve condition holds. Only the FIRING and RESOLVED transitions
 * are emitted, keyed by fingerprint: one of each per incident, and in between at most
 * one escalation (a FIRING with {@code escalation} set) when the incident's remediation
 * failed or had no effect ({@link RemediationFollowUp}).
 *
 * <p>Reads windows of {@link DerivedMetrics} and {@link CommandResult}s, both keyed by
 * source. Stores: {@value #PENDING_STORE} (since when a condition holds),
 * {@value #FIRING_STORE} (the latest FIRING event of each open incident) and
 * {@value #REMEDIATION_STORE} (the latest final command result of an open incident),
 * all keyed {@code source \0 fingerprint} so that all state of a source lives in the
 * task that owns the source and a prefix scan finds it.
 */
public final class AlertLifecycleProcessor implements Processor<String, LifecycleInput, String, Alert> {

    public static final String PENDING_STORE = "alert-pending";
    public static final String FIRING_STORE = "alert-firing";
    public static final String REMEDIATION_STORE = "alert-remediation";

    private final RuleEvaluator evaluator;
    private final RemediationFollowUp followUp;
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, Long> pending;
    private KeyValueStore<String, Alert> firing;
    private KeyValueStore<String, CommandResult> remediation;

    public AlertLifecycleProcessor(RuleEvaluator evaluator, RemediationFollowUp followUp) {
        this.evaluator = evaluator;
        this.followUp = followUp;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.pending = context.getStateStore(PENDING_STORE);
        this.firing = context.getStateStore(FIRING_STORE);
        this.remediation = context.getStateStore(REMEDIATION_STORE);
    }

    @Override
    public void process(Record<String, LifecycleInput> record) {
        if (record.value().window() != null) {
            onWindow(record.value().window());
        } else {
            onResult(record.value().result());
        }
    }

    /**
     * Keeps the final result of a command aimed at an open incident; a failure escalates
     * the incident at once. Results of other commands (no alert, or the incident already
     * over) are not kept, which bounds the store by the number of open incidents.
     */
    private void onResult(CommandResult result) {
        if (result.getAlertFingerprint() == null || !RemediationFollowUp.isFinal(result)) {
            return;
        }
        String key = storeKey(result.getSourceId(), result.getAlertFingerprint());
        Alert open = firing.get(key);
        if (open == null) {
            return;
        }
        CommandResult known = remediation.get(key);
        if (known != null && known.getCommandId().equals(result.getCommandId())
                && result.getOutcome() == CommandOutcome.SKIPPED) {
            return; // a replay of a command that already ran is refused; what it did stands
        }
        remediation.put(key, result);
        escalateIfDue(key, open, result.getFinishedAt());
    }

    private void escalateIfDue(String key, Alert open, Instant at) {
        CommandResult result = remediation.get(key);
        if (result == null) {
            return;
        }
        followUp.escalation(open, result, at).ifPresent(escalated -> {
            firing.put(key, escalated);
            emit(escalated);
        });
    }

    private void onWindow(DerivedMetrics window) {
        String source = window.getSourceId();
        Instant at = window.getWindowEnd();
        Set<String> seen = new HashSet<>();
        for (RuleEvaluator.Evaluation evaluation : evaluator.evaluate(window)) {
            String fingerprint = Fingerprint.of(evaluation.rule().name(), source, evaluation.object());
            String key = storeKey(source, fingerprint);
            seen.add(key);
            step(key, fingerprint, evaluation, window, at);
        }
        closeVanished(source, window, seen, at);
    }

    private void step(String key, String fingerprint, RuleEvaluator.Evaluation evaluation, DerivedMetrics window, Instant at) {
        Rule rule = evaluation.rule();
        Alert open = firing.get(key);
        if (open != null) {
            if (evaluation.resolved()) {
                resolve(key, open, evaluation.value(), at, "condition cleared");
            } else {
                escalateIfDue(key, open, at);
            }
            return;
        }
        if (!evaluation.breached()) {
            pending.delete(key);
            return;
        }
        Long since = pending.get(key);
        Instant start = since == null ? at : Instant.ofEpochMilli(since);
        if (Duration.between(start, at).compareTo(rule.forDuration()) >= 0) {
            pending.delete(key);
            Alert alert = firingAlert(fingerprint, evaluation, window, start, at);
            firing.put(key, alert);
            emit(alert);
        } else if (since == null) {
            pending.put(key, at.toEpochMilli());
        }
    }

    /** A firing alert whose object no longer appears (a dropped table) ends; pending ones are forgotten. */
    private void closeVanished(String source, DerivedMetrics window, Set<String> seen, Instant at) {
        List<KeyValue<String, Alert>> gone = new ArrayList<>();
        try (KeyValueIterator<String, Alert> it = firing.prefixScan(source + '\u0000', new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, Alert> entry = it.next();
                if (!seen.contains(entry.key) && coveredByWindow(entry.value, window)) {
                    gone.add(entry);
                }
            }
        }
        for (KeyValue<String, Alert> entry : gone) {
            resolve(entry.key, entry.value, null, at, "object no longer present");
        }
    }

    private void resolve(String key, Alert open, Double value, Instant at, String why) {
        firing.delete(key);
        CommandResult result = remediation.get(key);
        remediation.delete(key);
        emit(followUp.annotateResolution(resolved(open, value, at, why), result));
    }

    private boolean coveredByWindow(Alert alert, DerivedMetrics window) {
        return evaluator.rules().rules().stream()
                .filter(r -> r.name().equals(alert.getRule()))
                .findFirst()
                .map(r -> RuleEvaluator.covers(r, window))
                .orElse(true); // the rule was removed from the configuration: its incidents end
    }

    private Alert firingAlert(String fingerprint, RuleEvaluator.Evaluation evaluation, DerivedMetrics window,
                              Instant start, Instant at) {
        Rule rule = evaluation.rule();
        ObjectRef object = evaluation.object();
        double threshold = rule.when().headline().threshold();
        Map<String, String> labels = new HashMap<>(window.getTags());
        labels.put("alertname", rule.name());
        labels.put("severity", rule.severity().name().toLowerCase(Locale.ROOT));
        labels.put("source", window.getSourceId());
        if (object != null) {
            labels.put("object", objectName(object));
        }
        Map<String, String> annotations = new HashMap<>();
        annotations.put("condition", rule.when().terms().toString());
        String summary = rule.summary()
                .replace("{{source}}", window.getSourceId())
                .replace("{{object}}", object == null ? window.getSourceId() : objectName(object))
                .replace("{{value}}", format(evaluation.value()))
                .replace("{{threshold}}", format(threshold));
        return Alert.newBuilder()
                .setFingerprint(fingerprint)
                .setRule(rule.name())
                .setStatus(AlertStatus.FIRING)
                .setSeverity(rule.severity())
                .setSourceId(window.getSourceId())
                .setObject(object)
                .setValue(evaluation.value())
                .setThreshold(threshold)
                .setStartsAt(start)
                .setEndsAt(null)
                .setEventAt(at)
                .setSummary(summary)
                .setRunbook(rule.runbook())
                .setLabels(labels)
                .setAnnotations(annotations)
                .build();
    }

    private static Alert resolved(Alert open, Double value, Instant at, String why) {
        Map<String, String> annotations = new HashMap<>(open.getAnnotations());
        annotations.put("resolved_because", why);
        return Alert.newBuilder(open)
                .setStatus(AlertStatus.RESOLVED)
                .setValue(value)
                .setEndsAt(at)
                .setEventAt(at)
                .setAnnotations(annotations)
                .build();
    }

    private void emit(Alert alert) {
        context.forward(new Record<>(alert.getFingerprint(), alert, alert.getEventAt().toEpochMilli()));
    }

    static String storeKey(String source, String fingerprint) {
        return source + '\u0000' + fingerprint;
    }

    static String objectName(ObjectRef object) {
        return object.getSchemaName() == null ? object.getName() : object.getSchemaName() + "." + object.getName();
    }

    static String format(Double value) {
        if (value == null) {
            return "n/a";
        }
        if (Math.abs(value) >= 1000 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
