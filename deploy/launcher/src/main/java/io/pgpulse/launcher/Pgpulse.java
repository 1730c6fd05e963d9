package io.pgpulse.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pgpulse} command: only wiring; each subcommand does one job. */
@Command(name = "pgpulse",
        description = "PostgreSQL fleet monitoring over Kafka: snapshots, rates, alerts and safe maintenance.",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        version = "pgpulse 0.1.0",
        subcommands = {DemoCommand.class, UpCommand.class, SnapshotCommand.class, RegistryCommand.class, RemediationCommand.class,
                SilenceCommand.class, CommandLine.HelpCommand.class})
public final class Pgpulse implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("demo")) {
            // The demo narrates in sentences; log lines would only repeat them or, from the
            // libraries, talk about settings that are right for a throwaway runtime.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
            System.setProperty("org.slf4j.simpleLogger.log.io.pgpulse", "warn");
        }
        int exit = new CommandLine(new Pgpulse()).execute(args);
        System.exit(exit);
    }
}
