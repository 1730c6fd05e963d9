package io.pgpulse.sink.remediation;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Which alert leads to which maintenance, and the command that asks for it. Only a
 * FIRING alert about an object of the kind the action applies to leads anywhere.
 * The command id is derived from the alert's fingerprint and start, so a redelivered
 * alert yields the same command id and the executor refuses to run it twice.
 *
 * @param actions   rule name → action
 * @param commandTtl how long a command stays valid
 * @param dryRun    commands are checked and recorded by the executor, never run
 */
public record RemediationPolicy(Map<String, MaintenanceAction> actions, Duration commandTtl, boolean dryRun) {

    public RemediationPolicy {
        actions = Map.copyOf(actions);
    }

    /** The guide's routine: VACUUM (ANALYZE) a bloated table. */
    public static RemediationPolicy defaults() {
        return new RemediationPolicy(Map.of("table_bloat", MaintenanceAction.VACUUM_ANALYZE), Duration.ofMinutes(15), false);
    }

    public Optional<MaintenanceCommand> commandFor(Alert alert, Clock clock) {
        MaintenanceAction action = actions.get(alert.getRule());
        if (action == null || alert.getStatus() != AlertStatus.FIRING || alert.getObject() == null) {
            return Optional.empty();
        }
        ObjectKind expected = action == MaintenanceAction.REINDEX_INDEX_CONCURRENTLY ? ObjectKind.INDEX : ObjectKind.TABLE;
        if (alert.getObject().getKind() != expected) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        String id = UUID.nameUUIDFromBytes((alert.getFingerprint() + "/" + alert.getStartsAt().toEpochMilli())
                .getBytes(StandardCharsets.UTF_8)).toString();
        return Optional.of(MaintenanceCommand.newBuilder()
                .setCommandId(id)
                .setSourceId(alert.getSourceId())
                .setAction(action)
                .setTarget(alert.getObject())
                .setReason(alert.getSummary())
                .setAlertFingerprint(alert.getFingerprint())
                .setIssuedAt(now)
                .setExpiresAt(now.plus(commandTtl))
                .setDryRun(dryRun)
                .build());
    }
}
