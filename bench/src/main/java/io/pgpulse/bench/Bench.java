package io.pgpulse.bench;

import io.pgpulse.bench.collector.CollectorBench;
import io.pgpulse.bench.remediation.RemediationBench;
import io.pgpulse.bench.serde.SerdeBench;
import io.pgpulse.bench.streams.StreamsBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./pgpulse bench NAME}: each benchmark is a subcommand that ends with one line of figures. */
@Command(name = "pgpulse bench",
        description = "Benchmarks on the embedded runtime; each ends with one line of key=value figures.",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        subcommands = {RemediationBench.class, CollectorBench.class, SerdeBench.class, StreamsBench.class,
                CommandLine.HelpCommand.class})
public final class Bench implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }
}
