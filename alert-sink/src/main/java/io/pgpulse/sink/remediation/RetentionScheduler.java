package io.pgpulse.sink.remediation;

import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.RetentionSpec;
import io.pgpulse.avro.TableMetrics;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.SigningKeys;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans the policy's old-row cleanups ({@code retention:}): for every source whose
 * metrics show a table named there, one signed {@code RETENTION_DELETE} per
 * {@code every}, only while a maintenance window is open and the kill switch is off.
 * The table's OID comes from the metrics, so the agent can check it still is the same
 * table. The command id is derived from (source, table, OID, period), so a restarted
 * sink asks at most once per period ({@link IssuedCommands} knows what went out).
 * Pure planning: {@link io.pgpulse.sink.AlertSink} feeds it the metrics and publishes.
 */
public final class RetentionScheduler {

    private static final Logger log = LoggerFactory.getLogger(RetentionScheduler.class);

    private final RemediationPolicy policy;
    private final SigningKeys keys;
    private final BooleanSupplier paused;
    private final Clock clock;
    private IssuedCommands issued = new IssuedCommands();

    public RetentionScheduler(RemediationPolicy policy, SigningKeys keys, BooleanSupplier paused, Clock clock) {
        this.policy = policy;
        this.keys = keys;
        this.paused = paused;
        this.clock = clock;
    }

    public boolean active() {
        return !policy.retention().isEmpty();
    }

    public synchronized void rememberIssued(IssuedCommands alreadyIssued) {
        this.issued = alreadyIssued;
    }

    /** The cleanups due for the source of {@code window}, signed; none while paused or outside the windows. */
    public synchronized List<MaintenanceCommand> onMetrics(DerivedMetrics window) {
        List<MaintenanceCommand> due = new ArrayList<>();
        Instant now = clock.instant();
        if (!active() || paused.getAsBoolean()
                || (!policy.windows().isEmpty() && policy.windows().stream().noneMatch(w -> w.isOpen(now)))) {
            return due;
        }
        for (RemediationPolicy.Retention cleanup : policy.retention()) {
            if (!cleanup.appliesTo(window.getTags())) {
                continue;
            }
            find(window, cleanup).ifPresent(table -> {
                long period = now.toEpochMilli() / cleanup.every().toMillis();
                String id = UUID.nameUUIDFromBytes(("retention/" + window.getSourceId() + "/" + cleanup.schema() + "."
                        + cleanup.table() + "/" + table.getTable().getOid() + "/" + period)
                        .getBytes(StandardCharsets.UTF_8)).toString();
                if (issued.contains(id)) {
                    return;
                }
                issued.add(id);
                log.info("{}: retention of {}.{} due (rows older than {})", window.getSourceId(), cleanup.schema(),
                        cleanup.table(), cleanup.keep());
                due.add(CommandSignature.sign(MaintenanceCommand.newBuilder()
                        .setCommandId(id)
                        .setSourceId(window.getSourceId())
                        .setAction(MaintenanceAction.RETENTION_DELETE)
                        .setTarget(table.getTable())
                        .setReason("retention: rows of " + cleanup.schema() + "." + cleanup.table() + " older than "
                                + cleanup.keep().toDays() + " days, by " + cleanup.timestampColumn())
                        .setAlertFingerprint(null)
                        .setIssuedAt(now)
                        .setExpiresAt(now.plus(policy.commandTtl()))
                        .setDryRun(policy.dryRun())
                        .setRetention(RetentionSpec.newBuilder()
                                .setTimestampColumn(cleanup.timestampColumn())
                                .setOlderThanMs(cleanup.keep().toMillis())
                                .setBatchRows(cleanup.batchRows())
                                .setMaxBatches(cleanup.maxBatches())
                                .build())
                        .build(), keys));
            });
        }
        return due;
    }

    private static Optional<TableMetrics> find(DerivedMetrics window, RemediationPolicy.Retention cleanup) {
        return window.getTables().stream()
                .filter(t -> cleanup.schema().equals(t.getTable().getSchemaName())
                        && cleanup.table().equals(t.getTable().getName()))
                .findFirst();
    }
}
