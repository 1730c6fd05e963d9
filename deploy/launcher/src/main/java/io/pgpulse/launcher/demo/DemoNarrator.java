package io.pgpulse.launcher.demo;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.avro.PgSnapshot;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells what the demo is doing, as it happens, in sentences: one line per event,
 * each led by the seconds since the demo started. Snapshots are many, so they are
 * summed up every ten seconds rather than told one by one.
 */
public final class DemoNarrator {

    private static final long SNAPSHOT_SUMMARY_EVERY_MS = 10_000;

    private final PrintStream out;
    private final long startedNanos = System.nanoTime();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong lastSnapshotLineMs = new AtomicLong(-SNAPSHOT_SUMMARY_EVERY_MS);

    public DemoNarrator(PrintStream out) {
        this.out = out;
    }

    public synchronized void say(String line) {
        long ms = (System.nanoTime() - startedNanos) / 1_000_000;
        out.printf(Locale.ROOT, "[%6.1fs] %s%n", ms / 1000.0, line);
        out.flush();
    }

    public synchronized void plain(String line) {
        out.println(line);
        out.flush();
    }

    public void snapshot(PgSnapshot snapshot) {
        long count = snapshots.incrementAndGet();
        long nowMs = (System.nanoTime() - startedNanos) / 1_000_000;
        long last = lastSnapshotLineMs.get();
        if (!snapshot.getUp()) {
            say("snapshot of " + snapshot.getSourceId() + ": DOWN (" + snapshot.getError().getErrorClass() + ": "
                    + snapshot.getError().getMessage() + ")");
        } else if (nowMs - last >= SNAPSHOT_SUMMARY_EVERY_MS && lastSnapshotLineMs.compareAndSet(last, nowMs)) {
            int tables = snapshot.getTables() == null ? 0 : snapshot.getTables().size();
            say(String.format(Locale.ROOT, "snapshots flowing: %d so far; %s is up, %d tables, %d client backends, "
                            + "collected in %d ms", count, snapshot.getSourceId(), tables,
                    snapshot.getActivity() == null ? 0 : snapshot.getActivity().getTotal(), snapshot.getCollectionMs()));
        }
    }

    public void alert(Alert alert) {
        if (alert.getStatus() == AlertStatus.FIRING && alert.getEscalation() != null) {
            say("ALERT ESCALATED " + alert.getRule() + " [" + alert.getSeverity().name().toLowerCase(Locale.ROOT) + "]: "
                    + alert.getEscalation());
        } else if (alert.getStatus() == AlertStatus.FIRING) {
            say("ALERT FIRING    " + alert.getRule() + " [" + alert.getSeverity().name().toLowerCase(Locale.ROOT) + "]: "
                    + alert.getSummary());
        } else {
            Duration open = Duration.between(alert.getStartsAt(), alert.getEndsAt());
            String remediation = alert.getAnnotations().get("remediation");
            say("ALERT RESOLVED  " + alert.getRule() + " on " + objectOrSource(alert) + " after " + open.toSeconds()
                    + " s (" + alert.getAnnotations().getOrDefault("resolved_because", "condition cleared") + ")"
                    + (remediation == null ? "" : "; fixed by " + remediation));
        }
    }

    public void command(MaintenanceCommand command) {
        say("command         " + command.getAction() + " of " + command.getTarget().getSchemaName() + "."
                + command.getTarget().getName() + " (OID " + command.getTarget().getOid() + ") requested on "
                + command.getSourceId() + (command.getDryRun() ? " as a dry run" : "") + "; signed with key "
                + command.getKeyId() + ", valid for "
                + Duration.between(command.getIssuedAt(), command.getExpiresAt()).toMinutes() + " min, id "
                + command.getCommandId());
    }

    public void result(CommandResult result) {
        if (!result.getChecksPassed().isEmpty()) {
            say("checks          " + String.join("; ", result.getChecksPassed()));
        }
        StringBuilder line = new StringBuilder("result          ").append(result.getOutcome());
        if (result.getStatement() != null) {
            line.append(": ").append(result.getStatement());
        }
        long ms = Duration.between(result.getStartedAt(), result.getFinishedAt()).toMillis();
        line.append(" in ").append(ms).append(" ms");
        ObjectState before = result.getBefore();
        ObjectState after = result.getAfter();
        if (before != null && after != null) {
            line.append(String.format(Locale.ROOT, "; dead tuples %,d -> %,d, size %s -> %s",
                    before.getNDeadTup(), after.getNDeadTup(), bytes(before.getSizeBytes()), bytes(after.getSizeBytes())));
        }
        if (result.getReason() != null) {
            line.append(" (").append(result.getReason()).append(')');
        }
        say(line.toString());
    }


    private static String objectOrSource(Alert alert) {
        return alert.getObject() == null ? alert.getSourceId()
                : alert.getObject().getSchemaName() + "." + alert.getObject().getName();
    }

    static String bytes(long n) {
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f kB", n / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", n / (1024.0 * 1024));
    }
}
