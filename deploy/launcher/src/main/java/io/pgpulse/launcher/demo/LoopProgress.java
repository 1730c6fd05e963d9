package io.pgpulse.launcher.demo;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceCommand;
import java.util.concurrent.CompletableFuture;

/**
 * The stages of the demo's loop for one table, each completed once when it is seen:
 * the bloat alert fires, a VACUUM command is requested, its result comes back done,
 * the alert resolves. The loop is closed when all four happened, in that order.
 */
public final class LoopProgress {

    private final String rule;
    private final String schema;
    private final String table;
    public final CompletableFuture<Alert> firing = new CompletableFuture<>();
    public final CompletableFuture<MaintenanceCommand> command = new CompletableFuture<>();
    public final CompletableFuture<CommandResult> result = new CompletableFuture<>();
    public final CompletableFuture<Alert> resolved = new CompletableFuture<>();

    public LoopProgress(String rule, String schema, String table) {
        this.rule = rule;
        this.schema = schema;
        this.table = table;
    }

    public void alert(Alert alert) {
        if (!alert.getRule().equals(rule) || alert.getObject() == null
                || !schema.equals(alert.getObject().getSchemaName()) || !table.equals(alert.getObject().getName())) {
            return;
        }
        if (alert.getStatus() == AlertStatus.FIRING) {
            firing.complete(alert);
        } else if (result.isDone() && firing.isDone()
                && alert.getFingerprint().equals(firing.join().getFingerprint())) {
            resolved.complete(alert);
        }
    }

    public void command(MaintenanceCommand command) {
        if (firing.isDone() && firing.join().getFingerprint().equals(command.getAlertFingerprint())) {
            this.command.complete(command);
        }
    }

    public void result(CommandResult result) {
        if (command.isDone() && command.join().getCommandId().equals(result.getCommandId())
                && result.getOutcome() == CommandOutcome.DONE) {
            this.result.complete(result);
        }
    }

    public boolean closed() {
        return resolved.isDone();
    }

    /** The first stage not reached yet, in words. */
    public String missingStage() {
        if (!firing.isDone()) {
            return "the " + rule + " alert for " + schema + "." + table + " never fired";
        }
        if (!command.isDone()) {
            return "no maintenance command was requested for the alert";
        }
        if (!result.isDone()) {
            return "no successful result came back for command " + command.join().getCommandId();
        }
        if (!resolved.isDone()) {
            return "the alert did not resolve after the maintenance";
        }
        return "nothing: the loop closed";
    }
}
