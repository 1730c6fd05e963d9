package io.pgpulse.sink.remediation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.SigningKeys;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns firing alerts into signed maintenance commands when the policy allows it:
 * an entry matches and excludes nothing, the kill switch is off, a maintenance
 * window is open and the source had no command within the rate limit. An alert that
 * must wait (window closed, rate limit, switch paused) is held and planned again on
 * the next {@link #due} call; its resolution drops it. The command id is derived from
 * the alert's fingerprint and start, so planning the same incident twice yields the
 * same id and the executor refuses the second one.
 */
public final class RemediationPlanner {

    private static final Logger log = LoggerFactory.getLogger(RemediationPlanner.class);

    /** A decision about one alert, for the record and for people. */
    public record Decision(Alert alert, MaintenanceCommand command, String heldBecause) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RemediationPolicy policy;
    private final SigningKeys keys;
    private final BooleanSupplier paused;
    private final Clock clock;
    private final Map<String, Alert> held = new LinkedHashMap<>();
    private final Map<String, Instant> lastCommandBySource = new HashMap<>();
    private IssuedCommands issued = new IssuedCommands();

    public RemediationPlanner(RemediationPolicy policy, SigningKeys keys, BooleanSupplier paused, Clock clock) {
        this.policy = policy;
        this.keys = keys;
        this.paused = paused;
        this.clock = clock;
    }

    /** Takes an alert event; returns the command to publish now, if any. */
    public synchronized Optional<MaintenanceCommand> onAlert(Alert alert) {
        if (alert.getStatus() == AlertStatus.RESOLVED) {
            held.remove(alert.getFingerprint());
            return Optional.empty();
        }
        if (alert.getEscalation() != null) {
            // The fix was tried and failed or did not help: a person decides now, not the fleet.
            held.remove(alert.getFingerprint());
            return Optional.empty();
        }
        Optional<RemediationPolicy.Entry> entry = policy.entryFor(alert);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> excluded = entry.get().excludedBy(alert);
        if (excluded.isPresent()) {
            log.info("{}: {} on {}.{} is excluded from remediation by '{}'", alert.getSourceId(), alert.getRule(),
                    alert.getObject().getSchemaName(), alert.getObject().getName(), excluded.get());
            return Optional.empty();
        }
        held.put(alert.getFingerprint(), alert);
        return plan(alert, entry.get());
    }

    /** Commands published before (by an earlier run of this sink): they are not asked for again. */
    public synchronized void rememberIssued(IssuedCommands alreadyIssued) {
        this.issued = alreadyIssued;
    }

    /** Whether the alert with this fingerprint waits for its window, the rate limit or the switch. */
    public synchronized boolean isHeld(String fingerprint) {
        return held.containsKey(fingerprint);
    }

    /** Drops a held alert that another sink instance now owns (its partition moved). */
    public synchronized void forget(String fingerprint) {
        held.remove(fingerprint);
    }

    /** What waits and why, and the policy it waits on, for people ({@code GET /remediation}). */
    public synchronized ObjectNode toJson() {
        ObjectNode view = JSON.createObjectNode();
        view.put("dryRun", policy.dryRun());
        ArrayNode windows = view.putArray("windows");
        policy.windows().forEach(w -> windows.add(w.toString()));
        view.put("rateLimitPerSource", policy.ratePerSource().toString());
        view.put("commandTtl", policy.commandTtl().toString());
        ArrayNode list = view.putArray("held");
        for (Alert alert : held.values()) {
            ObjectNode item = list.addObject();
            item.put("source", alert.getSourceId());
            item.put("rule", alert.getRule());
            item.put("object", alert.getObject().getSchemaName() + "." + alert.getObject().getName());
            item.put("firingSince", alert.getStartsAt().toString());
            item.put("reason", holdReason(alert).orElse("due now"));
        }
        return view;
    }

    /** Commands for held alerts that may go now. */
    public synchronized List<MaintenanceCommand> due() {
        List<MaintenanceCommand> out = new ArrayList<>();
        for (Alert alert : List.copyOf(held.values())) {
            policy.entryFor(alert).flatMap(entry -> plan(alert, entry)).ifPresent(out::add);
        }
        return out;
    }

    /** Why each held alert is waiting, for status output. */
    public synchronized Map<String, String> heldReasons() {
        Map<String, String> reasons = new LinkedHashMap<>();
        held.values().forEach(a -> reasons.put(a.getSourceId() + " " + a.getRule() + " " + a.getObject().getSchemaName()
                + "." + a.getObject().getName(), holdReason(a).orElse("due now")));
        return reasons;
    }

    private Optional<MaintenanceCommand> plan(Alert alert, RemediationPolicy.Entry entry) {
        Optional<String> hold = holdReason(alert);
        if (hold.isPresent()) {
            log.debug("{}: remediation of {} held: {}", alert.getSourceId(), alert.getRule(), hold.get());
            return Optional.empty();
        }
        held.remove(alert.getFingerprint());
        String id = UUID.nameUUIDFromBytes((alert.getFingerprint() + "/" + alert.getStartsAt().toEpochMilli())
                .getBytes(StandardCharsets.UTF_8)).toString();
        if (issued.contains(id)) {
            log.info("{}: remediation of {} was already requested (command {}); not asked again", alert.getSourceId(),
                    alert.getRule(), id);
            return Optional.empty();
        }
        issued.add(id);
        Instant now = clock.instant();
        lastCommandBySource.put(alert.getSourceId(), now);
        MaintenanceCommand command = MaintenanceCommand.newBuilder()
                .setCommandId(id)
                .setSourceId(alert.getSourceId())
                .setAction(entry.action())
                .setTarget(alert.getObject())
                .setReason(alert.getSummary())
                .setAlertFingerprint(alert.getFingerprint())
                .setIssuedAt(now)
                .setExpiresAt(now.plus(policy.commandTtl()))
                .setDryRun(policy.dryRun())
                .build();
        return Optional.of(CommandSignature.sign(command, keys));
    }

    private Optional<String> holdReason(Alert alert) {
        Instant now = clock.instant();
        if (paused.getAsBoolean()) {
            return Optional.of("remediation is paused fleet-wide");
        }
        if (!policy.windows().isEmpty() && policy.windows().stream().noneMatch(w -> w.isOpen(now))) {
            return Optional.of("outside the maintenance windows " + policy.windows());
        }
        Instant last = lastCommandBySource.get(alert.getSourceId());
        if (last != null && now.isBefore(last.plus(policy.ratePerSource()))) {
            return Optional.of("rate limit: one command per " + policy.ratePerSource().toMinutes() + " min per source, next at "
                    + last.plus(policy.ratePerSource()));
        }
        return Optional.empty();
    }
}
