package io.pgpulse.launcher;

import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.launcher.config.PgpulseConfig;
import io.pgpulse.registry.SchemaRegistryServer;
import io.pgpulse.schemas.config.ConfigException;
import io.pgpulse.sink.AlertSink;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "up",
        description = {
                "Runs the collector, stream processor and alert sink on your own databases.",
                "",
                "What to watch and where Kafka is comes from a configuration file (deploy/pgpulse.sample.yaml "
                        + "shows every key). When the file names no Kafka, an embedded broker and schema registry "
                        + "start in this process and their addresses are printed. Runs until Ctrl-C (or SIGTERM), "
                        + "then stops everything and exits 0. A bad file is refused with every problem listed.",
                ""},
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true)
final class UpCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The pgpulse configuration file (YAML).")
    Path configFile;

    @Override
    public Integer call() throws Exception {
        PgpulseConfig config;
        try {
            config = PgpulseConfig.load(configFile);
        } catch (ConfigException e) {
            System.err.println("pgpulse up: " + e.getMessage());
            return 2;
        }
        Deque<AutoCloseable> started = new ArrayDeque<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            // SIGTERM or Ctrl-C: stop taking snapshots, flush the buffered ones to Kafka, stop everything.
            closeAll(started);
            stopped.countDown();
            // A signal-initiated exit would otherwise end with 128+signal; everything stopped cleanly, so say 0.
            Runtime.getRuntime().halt(0);
        }, "pgpulse-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            String bootstrap = config.kafka().bootstrapServers();
            String registryUrl = config.kafka().registryUrl();
            if (config.kafka().embedded()) {
                EmbeddedKafka kafka = EmbeddedKafka.start();
                started.push(kafka);
                SchemaRegistryServer registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0);
                started.push(registry);
                bootstrap = kafka.bootstrapServers();
                registryUrl = registry.url();
                System.out.println("pgpulse: no kafka section in " + configFile + ", so an embedded broker and registry run here:");
            }
            System.out.println("  Kafka broker        " + bootstrap);
            System.out.println("  Schema registry     " + registryUrl);
            System.out.println("  Topics              " + String.join(", ", config.kafka().topics().all()));
            config.targets().forEach(t -> System.out.println("  Target              " + t.sourceId() + " every "
                    + t.interval().toMillis() / 1000.0 + " s"));
            config.collector().discoveries().forEach(d -> System.out.println("  Discover            every database of "
                    + d.seed().cluster() + " (through " + d.seed().database() + "), every " + d.seed().interval().toMillis() / 1000.0 + " s"));
            PgpulseServices services = PgpulseServices.start(config, bootstrap, registryUrl, "up",
                    new PgpulseServices.Listeners(
                            new CollectorAgent.Listener(new SourceStatusLog()::snapshot, r -> log.info("command {} on {}: {} {}", r.getCommandId(), r.getSourceId(), r.getOutcome(),
                                    r.getReason() == null ? "" : r.getReason())),
                            new AlertSink.Listener(a -> log.info("alert {} {}: {}", a.getStatus(), a.getRule(), a.getSummary()),
                                    c -> log.info("requested {} of {}.{} on {}", c.getAction(), c.getTarget().getSchemaName(),
                                            c.getTarget().getName(), c.getSourceId()))));
            started.push(services);
            services.collectorMetricsUrl().ifPresent(url -> System.out.println("  Collector metrics   " + url));
            services.sinkApiUrl().ifPresent(url -> System.out.println("  Alert sink API      " + url
                    + "/commands   (also /remediation, /silences; pgpulse silence --api " + url + " ...)"));
            services.fleetApiUrl().ifPresent(url -> System.out.println("  Fleet API           " + url
                    + "/fleet   (also /sources/{cluster}/{database}, /alerts)"));
            System.out.println("pgpulse: running; Ctrl-C to stop");
            stopped.await();
            return 0;
        } catch (RuntimeException | java.io.IOException e) {
            System.err.println("pgpulse up: " + e.getMessage());
            closeAll(started);
            // The hook would turn this failure's exit code into 0.
            Runtime.getRuntime().removeShutdownHook(hook);
            return 1;
        }
    }

    private static void closeAll(Deque<AutoCloseable> started) {
        synchronized (started) {
            while (!started.isEmpty()) {
                try {
                    started.pop().close();
                } catch (Exception e) {
                    System.err.println("pgpulse: error while stopping: " + e);
                }
            }
        }
    }
}
