package io.pgpulse.launcher;

import io.pgpulse.launcher.demo.DemoNarrator;
import io.pgpulse.launcher.demo.DemoScenario;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo",
        description = {
                "Runs the whole pgpulse loop on an embedded runtime and narrates it.",
                "",
                "A Kafka broker, the schema registry and a throwaway PostgreSQL start in this process; the "
                        + "collector snapshots a demo database; a workload bloats a table; the stream processor fires "
                        + "the table_bloat alert; the alert sink posts it to a local webhook and requests VACUUM "
                        + "(ANALYZE); the collector runs it and reports back; the alert resolves.",
                "",
                "Exits 0 once that loop closed (with --duration: when the time is up and the loop had closed), "
                        + "non-zero with the reason otherwise. Ctrl-C stops everything cleanly.",
                ""},
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true)
final class DemoCommand implements Callable<Integer> {

    static final Duration LOOP_TIMEOUT = Duration.ofMinutes(5);

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Keep running (and serving the addresses printed at start) until this much time has passed, "
                    + "even after the loop closed; e.g. 300s or 5m. Default: exit soon after the loop closes, "
                    + "or after 5 minutes at most.")
    Duration duration;

    @Option(names = "--postgres-version", paramLabel = "MAJOR", defaultValue = "18",
            description = "PostgreSQL major version to run, 13 to 18 (default: ${DEFAULT-VALUE}).")
    int postgresMajor;

    @Override
    public Integer call() throws Exception {
        if (postgresMajor < 13 || postgresMajor > 18) {
            System.err.println("pgpulse demo: --postgres-version must be 13 to 18, found " + postgresMajor);
            return 2;
        }
        DemoNarrator narrator = new DemoNarrator(System.out);
        narrator.plain("pgpulse demo: the whole monitoring loop on an embedded runtime (Ctrl-C to stop)");
        DemoScenario.Options defaults = DemoScenario.Options.defaults();
        DemoScenario.Options options = new DemoScenario.Options(postgresMajor, defaults.interval(), defaults.window(),
                defaults.grace());
        long startedNanos = System.nanoTime();
        DemoScenario demo = DemoScenario.start(options, narrator);
        Thread hook = new Thread(() -> {
            narrator.say("interrupted: stopping the services, the broker, the registry and PostgreSQL");
            demo.close();
        }, "pgpulse-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            demo.runWorkload();
            Duration loopTimeout = duration == null ? LOOP_TIMEOUT : duration;
            boolean closed = demo.awaitLoop(loopTimeout);
            if (closed) {
                narrator.say("the loop closed: snapshots -> table_bloat alert -> VACUUM (ANALYZE) -> result -> alert resolved");
                // The webhook has a consumer group of its own and may hear of the resolution a moment later.
                demo.webhook().awaitReceived(post -> post.path("status").asText().equals("resolved"), Duration.ofSeconds(15));
                narrator.say("the webhook received " + demo.webhook().received().size() + " alert events as JSON: "
                        + demo.webhook().received().stream()
                                .map(post -> post.path("status").asText() + " " + post.path("alertname").asText())
                                .toList());
            }
            if (duration != null) {
                long leftMs = duration.toMillis() - (System.nanoTime() - startedNanos) / 1_000_000;
                if (leftMs > 0) {
                    narrator.say("still serving for " + (leftMs / 1000) + " s as asked (--duration); look around at the addresses above");
                    Thread.sleep(leftMs);
                }
            }
            if (!closed) {
                narrator.say("the loop did not close: " + demo.progress().missingStage());
                return 1;
            }
            narrator.say("stopping everything");
            return 0;
        } finally {
            demo.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The JVM is exiting (Ctrl-C); the hook runs or ran and closing is idempotent.
            }
        }
    }
}
