package io.pgpulse.collector.command;

import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.MaintenanceWindow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The checks a command must pass before the executor even connects to the database,
 * in the order a reviewer would ask them: is it genuine, is remediation allowed right
 * now, has it run before, is it still valid, is it something this agent does, and is
 * it the right kind of object for the action. Each failure names what was expected
 * and what was found.
 */
final class CommandChecks {

    private CommandChecks() {
    }

    /** The checks {@link #refusal} makes, in words, for the record of a command that passed them. */
    static List<String> passed(MaintenanceCommand command, ExecutorPolicy policy) {
        List<String> passed = new ArrayList<>();
        passed.add("signature valid (HMAC-SHA256, key " + command.getKeyId() + ")");
        passed.add("remediation not paused");
        passed.add("not a replay (command id never taken before)");
        passed.add("valid until " + command.getExpiresAt());
        passed.add(command.getAction() + " on this agent's allow-list");
        passed.add(policy.windows().isEmpty() ? "no maintenance window required" : "inside a maintenance window");
        if (command.getRetention() != null) {
            passed.add("retention keeps at least " + RetentionDelete.MIN_KEEP.toDays() + " day, batches within limits");
        }
        return passed;
    }

    static Optional<String> refusal(MaintenanceCommand command, ExecutorPolicy policy, boolean paused,
                                    boolean alreadyExecuted, Instant now) {
        if (policy.keys() == null) {
            return Optional.of("this agent has no command signing keys configured, so it accepts no command");
        }
        Optional<String> signature = CommandSignature.problem(command, policy.keys());
        if (signature.isPresent()) {
            return Optional.of("refused: " + signature.get());
        }
        if (paused) {
            return Optional.of("remediation is paused fleet-wide (kill switch)");
        }
        if (alreadyExecuted) {
            return Optional.of("replay: command id " + command.getCommandId() + " was already executed");
        }
        if (!now.isBefore(command.getExpiresAt())) {
            return Optional.of("expired at " + command.getExpiresAt() + " (now " + now + ")");
        }
        if (command.getIssuedAt().isAfter(now.plusSeconds(300))) {
            return Optional.of("issued in the future (" + command.getIssuedAt() + "); clocks disagree by more than 5 minutes");
        }
        if (!policy.allowedActions().contains(command.getAction())) {
            return Optional.of("action " + command.getAction() + " is not on this agent's allow-list " + policy.allowedActions());
        }
        if (command.getTarget().getKind() != MaintenanceStatement.kindFor(command.getAction())) {
            return Optional.of(command.getAction() + " applies to a " + MaintenanceStatement.kindFor(command.getAction())
                    + ", the command names a " + command.getTarget().getKind());
        }
        if (command.getTarget().getSchemaName() == null) {
            return Optional.of("target " + command.getTarget().getName() + " names no schema");
        }
        if (command.getAction() == MaintenanceAction.RETENTION_DELETE) {
            Optional<String> retention = RetentionDelete.refusal(command);
            if (retention.isPresent()) {
                return retention;
            }
        }
        if (!policy.windows().isEmpty() && policy.windows().stream().noneMatch(w -> w.isOpen(now))) {
            String next = policy.windows().stream()
                    .map(w -> w.nextOpening(now)).flatMap(Optional::stream)
                    .min(Comparator.naturalOrder()).map(Instant::toString).orElse("never");
            return Optional.of("outside the maintenance windows " + policy.windows() + "; next opens " + next);
        }
        return Optional.empty();
    }

    /** Versions whose REINDEX CONCURRENTLY can corrupt indexes (fixed in 14.4, see its release notes). */
    static Optional<String> reindexConcurrentlyUnsafe(int serverVersionNum) {
        if (serverVersionNum >= 140000 && serverVersionNum < 140004) {
            return Optional.of("REINDEX CONCURRENTLY is refused on PostgreSQL " + serverVersionNum / 10000 + "."
                    + serverVersionNum % 100 + ": 14.0 to 14.3 can corrupt indexes with it; upgrade to 14.4 or later");
        }
        return Optional.empty();
    }
}
