package io.pgpulse.processor.alert;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.metrics.Scope;
import io.pgpulse.processor.rule.Comparison.Truth;
import io.pgpulse.processor.rule.Rule;
import io.pgpulse.processor.rule.RuleSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The alert lifecycle of one source, per (rule, object): nothing → PENDING when the rule's
 * condition first holds → FIRING once it has held for the rule's {@code for} → RESOLVED when
 * its resolve condition holds. Only FIRING and RESOLVED are events, one of each per incident,
 * plus at most one escalation ({@link RemediationFollowUp}) in between. Pure logic over an
 * {@link AlertBook}: the {@link AlertLifecycleProcessor} loads and stores the book.
 *
 * <p>A resolution waits while a maintenance command issued for the incident has not reported
 * back (until the command expires): the fix and the data showing it worked arrive on
 * different topics, and the RESOLVED event should name the fix.
 */
final class AlertLifecycle {

    /** How long a resolution waits for the result of a command in flight for its incident. */
    static final long RESULT_WAIT_MS = 60_000;

    private final RuleSet rules;
    private final RemediationFollowUp followUp;
    private final Map<MetricsFrame.Kind, List<Rule>> byWindow = new EnumMap<>(MetricsFrame.Kind.class);
    private final List<Rule> silenceRules = new ArrayList<>();
    private final Set<String> ruleNames = new HashSet<>();

    AlertLifecycle(RuleSet rules, RemediationFollowUp followUp) {
        this.rules = rules;
        this.followUp = followUp;
        for (MetricsFrame.Kind kind : MetricsFrame.Kind.values()) {
            byWindow.put(kind, new ArrayList<>());
        }
        for (Rule rule : rules.rules()) {
            byWindow.get(rule.window()).add(rule);
            ruleNames.add(rule.name());
            if (rule.isSilenceRule()) {
                silenceRules.add(rule);
            }
        }
    }

    RuleSet rules() {
        return rules;
    }

    boolean hasSilenceRules() {
        return !silenceRules.isEmpty();
    }

    /** Evaluates the rules of the frame's kind; returns the events, and changes {@code book}. */
    List<Alert> onFrame(AlertBook book, MetricsFrame frame, Changes changes) {
        long at = frame.windowEndMs; // the snapshot's collection time, or the window's end
        List<Alert> out = new ArrayList<>(0);
        forgetUnknownRules(book, at, out, changes);
        for (Rule configured : byWindow.get(frame.kind)) {
            Rule rule = configured.forTags(frame.tags);
            boolean applies = rule != null && rule.selector().matchesSource(frame.sourceId, frame.tags);
            if (!applies) {
                endAll(book, configured.name(), at, "the rule no longer applies to this source", out, changes);
                continue;
            }
            Scope scope = rule.scope();
            if (!frame.covers(scope)) {
                continue; // no data for this scope: nothing fires, nothing resolves
            }
            evaluate(book, rule, frame, scope, at, out, changes);
        }
        return out;
    }

    /** The silence check of one source: evaluates the silence rules with {@code intervals} since its last snapshot. */
    List<Alert> onSilence(AlertBook book, MetricsFrame frame, Changes changes) {
        List<Alert> out = new ArrayList<>(0);
        for (Rule configured : silenceRules) {
            Rule rule = configured.forTags(frame.tags);
            if (rule != null && rule.selector().matchesSource(frame.sourceId, frame.tags)) {
                evaluate(book, rule, frame, Scope.SOURCE, frame.windowEndMs, out, changes);
            }
        }
        return out;
    }

    private void evaluate(AlertBook book, Rule rule, MetricsFrame frame, Scope scope, long at, List<Alert> out,
                          Changes changes) {
        int rows = frame.rows(scope);
        boolean objects = scope != Scope.SOURCE && scope != Scope.DATABASE;
        // Tables and indexes are matched with their open incidents by OID first (no names needed
        // for the rows that did not breach), by name when the OID is new (a re-created table keeps
        // its incident); statements by name, as their identity includes the role.
        boolean byOid = scope == Scope.TABLE || scope == Scope.INDEX;
        List<AlertBook.Entry> open = book.hasEntriesFor(rule.name()) ? book.entriesFor(rule.name()) : List.of();
        Map<Long, AlertBook.Entry> openByOid = null;
        Map<String, AlertBook.Entry> openByName = null;
        if (!open.isEmpty() && objects) {
            openByName = new HashMap<>();
            for (AlertBook.Entry e : open) {
                openByName.put(e.identity(), e);
            }
            if (byOid) {
                openByOid = new HashMap<>();
                for (AlertBook.Entry e : open) {
                    openByOid.put(e.object.getOid(), e);
                }
            }
        }
        Set<AlertBook.Entry> seen = open.isEmpty() ? Set.of() : new HashSet<>();
        for (int row = 0; row < rows; row++) {
            Truth when = rule.when().test(frame, row);
            AlertBook.Entry entry = null;
            ObjectRef object = null;
            if (!objects) {
                entry = open.isEmpty() ? null : open.get(0);
            } else if (openByOid != null) {
                entry = openByOid.get(frame.objectId(scope, row));
                if (entry != null) {
                    object = entry.object;
                }
            }
            boolean lookByName = objects && entry == null && openByName != null && !byOid;
            if (entry == null && when != Truth.TRUE && !lookByName) {
                continue; // the common case: nothing breached, nothing open for this object
            }
            if (objects && object == null) {
                object = frame.object(scope, row);
                if (entry == null && openByName != null) {
                    entry = openByName.get(AlertBook.Entry.identity(rule.name(), object));
                }
            }
            if (objects && rule.selector().hasObjectPattern() && !rule.selector().matchesObject(object)) {
                continue;
            }
            if (entry != null) {
                seen.add(entry);
            }
            step(book, entry, rule, frame, row, object, when, at, out, changes);
        }
        if (objects) {
            // Open incidents whose object was not in this frame: it was dropped (or left the selection).
            for (AlertBook.Entry gone : open) {
                if (seen.contains(gone) || !book.entries.contains(gone)) {
                    continue;
                }
                if (gone.isFiring()) {
                    out.add(resolve(book, gone, null, at, "object no longer present"));
                } else {
                    book.remove(gone);
                }
                changes.changed = true;
            }
        }
    }

    private void step(AlertBook book, AlertBook.Entry entry, Rule rule, MetricsFrame frame, int row, ObjectRef object,
                      Truth when, long at, List<Alert> out, Changes changes) {
        if (entry != null && entry.isFiring()) {
            Truth resolved = rule.resolvedBy(frame, row);
            if (resolved == Truth.TRUE) {
                if (entry.awaitsCommand(at)) {
                    if (entry.resolvableSinceMs == NONE) {
                        entry.resolvableSinceMs = at;
                        changes.changed = true;
                    }
                } else {
                    out.add(resolve(book, entry, value(rule, frame, row), at, "condition cleared"));
                    changes.changed = true;
                }
            } else if (resolved == Truth.FALSE) {
                if (entry.resolvableSinceMs != NONE) {
                    entry.resolvableSinceMs = NONE;
                    changes.changed = true;
                }
                escalateIfDue(entry, Instant.ofEpochMilli(at), out, changes);
            }
            return;
        }
        if (when == Truth.UNKNOWN) {
            return;
        }
        if (when == Truth.FALSE) {
            if (entry != null) {
                book.remove(entry); // pending, and the condition stopped holding: start over next time
                changes.changed = true;
            }
            return;
        }
        long since = entry == null ? at : entry.pendingSinceMs;
        if (at - since >= rule.forDuration().toMillis()) {
            if (entry == null) {
                entry = new AlertBook.Entry(rule.name(), object, Fingerprint.of(rule.name(), frame.sourceId, object));
                book.entries.add(entry);
            }
            entry.pendingSinceMs = NONE;
            entry.firing = firing(entry.fingerprint, rule, frame, row, object, since, at);
            out.add(entry.firing);
            changes.changed = true;
        } else if (entry == null) {
            entry = new AlertBook.Entry(rule.name(), object, Fingerprint.of(rule.name(), frame.sourceId, object));
            entry.pendingSinceMs = at;
            book.entries.add(entry);
            changes.changed = true;
        }
    }

    /** Ends the incidents of a rule that no longer applies to the source (its tags changed, an override turned it off). */
    private void endAll(AlertBook book, String rule, long at, String why, List<Alert> out, Changes changes) {
        if (!book.hasEntriesFor(rule)) {
            return;
        }
        for (AlertBook.Entry e : new ArrayList<>(book.entries)) {
            if (e.rule.equals(rule)) {
                if (e.isFiring()) {
                    out.add(resolve(book, e, null, at, why));
                } else {
                    book.remove(e);
                }
                changes.changed = true;
            }
        }
    }

    private void forgetUnknownRules(AlertBook book, long at, List<Alert> out, Changes changes) {
        for (AlertBook.Entry e : new ArrayList<>(book.entries)) {
            if (!ruleNames.contains(e.rule)) {
                if (e.isFiring()) {
                    out.add(resolve(book, e, null, at, "the rule was removed from the configuration"));
                } else {
                    book.remove(e);
                }
                changes.changed = true;
            }
        }
    }

    /**
     * A command issued for an open incident: its resolution waits for the command's result, so
     * that the resolution can name the fix, but at most {@link #RESULT_WAIT_MS} after the command
     * was issued (a slow VACUUM or an agent that is down must not keep a cleared alert firing).
     * The commands and results topics are read side by side, so a result may come first: then
     * there is nothing to wait for.
     */
    void onCommand(AlertBook book, MaintenanceCommand command, Changes changes) {
        if (command.getAlertFingerprint() == null) {
            return;
        }
        AlertBook.Entry entry = book.byFingerprint(command.getAlertFingerprint());
        boolean resultSeen = entry != null && entry.remediation != null
                && entry.remediation.getCommandId().equals(command.getCommandId());
        if (entry != null && entry.isFiring() && !resultSeen && !entry.commandIds.contains(command.getCommandId())) {
            long waitUntil = Math.min(command.getExpiresAt().toEpochMilli(),
                    command.getIssuedAt().toEpochMilli() + RESULT_WAIT_MS);
            entry.commandIssued(command.getCommandId(), waitUntil);
            changes.changed = true;
        }
    }

    /**
     * The result of a command: a final one is kept for the incident's resolution, escalates it
     * if the fix failed, and lets a resolution that waited for it happen now.
     */
    List<Alert> onResult(AlertBook book, CommandResult result, Changes changes) {
        List<Alert> out = new ArrayList<>(0);
        if (result.getAlertFingerprint() == null || !RemediationFollowUp.isFinal(result)) {
            return out;
        }
        AlertBook.Entry entry = book.byFingerprint(result.getAlertFingerprint());
        if (entry == null || !entry.isFiring()) {
            return out;
        }
        if (entry.remediation != null && entry.remediation.getCommandId().equals(result.getCommandId())
                && result.getOutcome() == CommandOutcome.SKIPPED) {
            return out; // a replay of a command that already ran is refused; what it did stands
        }
        entry.remediation = result;
        entry.commandDone(result.getCommandId());
        changes.changed = true;
        escalateIfDue(entry, result.getFinishedAt(), out, changes);
        long finished = result.getFinishedAt().toEpochMilli();
        if (entry.resolvableSinceMs != NONE && !entry.awaitsCommand(Math.max(finished, entry.resolvableSinceMs))) {
            long at = entry.resolvableSinceMs;
            out.add(resolve(book, entry, null, at, "condition cleared"));
        }
        return out;
    }

    private void escalateIfDue(AlertBook.Entry entry, Instant at, List<Alert> out, Changes changes) {
        if (entry.remediation == null) {
            return;
        }
        followUp.escalation(entry.firing, entry.remediation, at).ifPresent(escalated -> {
            entry.firing = escalated;
            out.add(escalated);
            changes.changed = true;
        });
    }

    private Alert resolve(AlertBook book, AlertBook.Entry entry, Double value, long atMs, String why) {
        book.remove(entry);
        Instant at = Instant.ofEpochMilli(atMs);
        Map<String, String> annotations = new HashMap<>(entry.firing.getAnnotations());
        annotations.put("resolved_because", why);
        Alert resolved = Alert.newBuilder(entry.firing)
                .setStatus(AlertStatus.RESOLVED)
                .setValue(value)
                .setEndsAt(at)
                .setEventAt(at)
                .setAnnotations(annotations)
                .build();
        return followUp.annotateResolution(resolved, entry.remediation);
    }

    private static Double value(Rule rule, MetricsFrame frame, int row) {
        double v = frame.value(rule.when().headline().metric(), row);
        return Double.isNaN(v) ? null : v;
    }

    private Alert firing(String fingerprint, Rule rule, MetricsFrame frame, int row, ObjectRef object, long sinceMs,
                         long atMs) {
        Double value = value(rule, frame, row);
        double threshold = rule.when().headline().threshold();
        String objectName = object == null ? null : objectName(object);
        Map<String, String> variables = new HashMap<>();
        variables.put("source", frame.sourceId);
        variables.put("object", objectName == null ? frame.sourceId : objectName);
        variables.put("value", format(value));
        variables.put("threshold", format(threshold));
        variables.put("rule", rule.name());
        variables.put("severity", rule.severity().name().toLowerCase(Locale.ROOT));
        variables.put("window", windowText(frame));
        Map<String, String> labels = new HashMap<>(frame.tags);
        rule.labels().forEach((k, t) -> labels.put(k, t.render(variables, frame.tags)));
        labels.put("alertname", rule.name());
        labels.put("severity", rule.severity().name().toLowerCase(Locale.ROOT));
        labels.put("source", frame.sourceId);
        if (objectName != null) {
            labels.put("object", objectName);
        }
        Map<String, String> annotations = new HashMap<>();
        rule.annotations().forEach((k, t) -> annotations.put(k, t.render(variables, frame.tags)));
        annotations.put("condition", rule.when().toString());
        return Alert.newBuilder()
                .setFingerprint(fingerprint)
                .setRule(rule.name())
                .setStatus(AlertStatus.FIRING)
                .setSeverity(rule.severity())
                .setSourceId(frame.sourceId)
                .setObject(object)
                .setValue(value)
                .setThreshold(threshold)
                .setStartsAt(Instant.ofEpochMilli(sinceMs))
                .setEndsAt(null)
                .setEventAt(Instant.ofEpochMilli(atMs))
                .setSummary(rule.summary().render(variables, frame.tags))
                .setRunbook(rule.runbook().render(variables, frame.tags))
                .setLabels(labels)
                .setAnnotations(annotations)
                .setEscalation(null)
                .setWindowSizeMs(frame.kind == MetricsFrame.Kind.SNAPSHOT ? null : frame.windowSizeMs)
                .build();
    }

    private static String windowText(MetricsFrame frame) {
        if (frame.kind == MetricsFrame.Kind.SNAPSHOT) {
            return "snapshot";
        }
        Duration size = Duration.ofMillis(frame.windowSizeMs);
        long seconds = size.toSeconds();
        return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
    }

    static String objectName(ObjectRef object) {
        return object.getSchemaName() == null ? object.getName() : object.getSchemaName() + "." + object.getName();
    }

    static String format(Double value) {
        if (value == null || value.isNaN()) {
            return "n/a";
        }
        if (Math.abs(value) >= 1000 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    /** Whether a call changed the book (and it must be stored). */
    static final class Changes {
        boolean changed;
    }
}
