package io.pgpulse.collector;

import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.command.CommandConsumer;
import io.pgpulse.collector.command.CommandExecutor;
import io.pgpulse.collector.command.ExecutedCommands;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.schemas.command.RemediationSwitch;
import java.time.Duration;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.publish.SnapshotPublisher;
import io.pgpulse.collector.target.SnapshotCollector;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector agent: snapshots every target on its interval into the snapshots
 * topic, and carries out the maintenance commands addressed to its targets.
 * Reads: the targets' pg_stat views, the commands topic. Writes: the snapshots and
 * command-results topics.
 */
public final class CollectorAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CollectorAgent.class);

    /** Observers a launcher can hang progress output on; both may be no-ops. */
    public record Listener(Consumer<PgSnapshot> onSnapshot, Consumer<CommandResult> onResult) {
        public static Listener quiet() {
            return new Listener(s -> { }, r -> { });
        }
    }

    private final List<SnapshotCollector> collectors = new ArrayList<>();
    private final SnapshotPublisher publisher;
    private final CommandConsumer commands;
    private final RemediationSwitch remediationSwitch;
    private final ScheduledExecutorService scheduler;
    private final Thread commandThread;
    private final Listener listener;
    private boolean closed;

    public CollectorAgent(String bootstrapServers, String registryUrl, Topics topics, List<TargetConfig> targets,
                          String agentId, ExecutorPolicy executorPolicy, Listener listener) {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("targets: at least one target is needed");
        }
        this.listener = listener;
        AvroSerdes serdes = new AvroSerdes(registryUrl);
        MetricCatalog catalog = MetricCatalog.defaults();
        Map<String, TargetConfig> bySource = new LinkedHashMap<>();
        for (TargetConfig target : targets) {
            collectors.add(new SnapshotCollector(target, catalog, Clock.systemUTC()));
            bySource.put(target.sourceId().toString(), target);
        }
        this.publisher = new SnapshotPublisher(bootstrapServers, serdes, topics.snapshots());
        this.remediationSwitch = RemediationSwitch.follow(bootstrapServers, topics, Duration.ofSeconds(30));
        CommandExecutor executor = new CommandExecutor(bySource, executorPolicy,
                ExecutedCommands.load(bootstrapServers, topics.commandResults()), remediationSwitch::paused,
                Clock.systemUTC());
        this.commands = new CommandConsumer(bootstrapServers, serdes, "pgpulse-collector-" + agentId,
                topics.commands(), topics.commandResults(), executor, listener.onResult());
        this.scheduler = Executors.newScheduledThreadPool(Math.min(4, targets.size()), runnable -> {
            Thread thread = new Thread(runnable, "pgpulse-collector");
            thread.setDaemon(true);
            return thread;
        });
        this.commandThread = new Thread(commands, "pgpulse-command-executor");
    }

    public void start() {
        for (SnapshotCollector collector : collectors) {
            long intervalMs = collector.target().interval().toMillis();
            scheduler.scheduleAtFixedRate(() -> snapshot(collector), 0, intervalMs, TimeUnit.MILLISECONDS);
        }
        commandThread.start();
    }

    private void snapshot(SnapshotCollector collector) {
        try {
            PgSnapshot snapshot = collector.collect();
            publisher.publish(snapshot);
            listener.onSnapshot().accept(snapshot);
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: keep the schedule alive and say what went wrong.
            log.error("{}: snapshot not taken: {}", collector.target().sourceId(), e.toString(), e);
        }
    }

    public long publishedSnapshots() {
        return publisher.published();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.shutdown();
        commands.close();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            commandThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commands.closeProducer();
        remediationSwitch.close();
        publisher.close();
        collectors.forEach(SnapshotCollector::close);
        log.debug("collector agent stopped");
    }
}
