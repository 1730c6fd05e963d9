package io.pgpulse.collector;

import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.collector.command.CommandConsumer;
import io.pgpulse.collector.command.CommandExecutor;
import io.pgpulse.collector.command.ExecutedCommands;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.metric.MetricCatalog;
import io.pgpulse.collector.publish.SnapshotPublisher;
import io.pgpulse.collector.selfmetrics.AgentMetrics;
import io.pgpulse.collector.selfmetrics.MetricsEndpoint;
import io.pgpulse.collector.target.DatabaseLister;
import io.pgpulse.collector.target.DiscoveryConfig;
import io.pgpulse.collector.target.SnapshotCollector;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.command.RemediationSwitch;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector agent: snapshots every target on its interval into the snapshots
 * topic, on a bounded pool of threads, and carries out the maintenance commands
 * addressed to its targets. Targets come from the configuration and from discovery
 * (every database of a cluster, picked up and retired as they come and go).
 * Reads: the targets' pg_stat views, the commands topic. Writes: the snapshots and
 * command-results topics, and its own metrics on a Prometheus endpoint.
 */
public final class CollectorAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CollectorAgent.class);

    /** Observers a launcher can hang progress output on; both may be no-ops. */
    public record Listener(Consumer<PgSnapshot> onSnapshot, Consumer<CommandResult> onResult) {
        public static Listener quiet() {
            return new Listener(s -> { }, r -> { });
        }
    }

    private record Running(SnapshotCollector collector, ScheduledFuture<?> schedule, boolean discovered) {
    }

    private final List<TargetConfig> configured;
    private final CollectorSettings settings;
    private final MetricCatalog catalog;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Every watched target by source id; the command executor reads it live. */
    private final Map<String, TargetConfig> bySource = new ConcurrentHashMap<>();
    private final AgentMetrics metrics = new AgentMetrics();
    private final SnapshotPublisher publisher;
    private final CommandConsumer commands;
    private final RemediationSwitch remediationSwitch;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Thread commandThread;
    private final Listener listener;
    private MetricsEndpoint endpoint;
    private boolean started;
    private boolean closed;

    public CollectorAgent(String bootstrapServers, String registryUrl, Topics topics, List<TargetConfig> targets,
                          String agentId, ExecutorPolicy executorPolicy, Listener listener) {
        this(bootstrapServers, registryUrl, topics, targets, agentId, executorPolicy, listener, CollectorSettings.defaults());
    }

    public CollectorAgent(String bootstrapServers, String registryUrl, Topics topics, List<TargetConfig> targets,
                          String agentId, ExecutorPolicy executorPolicy, Listener listener, CollectorSettings settings) {
        if (targets.isEmpty() && settings.discoveries().isEmpty()) {
            throw new IllegalArgumentException("targets: at least one target or discover entry is needed");
        }
        this.configured = List.copyOf(targets);
        this.settings = settings;
        this.listener = listener;
        this.catalog = MetricCatalog.defaults().withIntervals(settings.groupIntervals());
        AvroSerdes serdes = new AvroSerdes(registryUrl);
        for (TargetConfig target : targets) {
            bySource.put(target.sourceId().toString(), target);
        }
        this.publisher = new SnapshotPublisher(bootstrapServers, serdes, topics.snapshots(), settings.bufferSnapshots(),
                metrics);
        this.remediationSwitch = RemediationSwitch.follow(bootstrapServers, topics, Duration.ofSeconds(30));
        CommandExecutor executor = new CommandExecutor(bySource, executorPolicy,
                ExecutedCommands.load(bootstrapServers, topics.commandResults()), remediationSwitch::paused,
                Clock.systemUTC());
        this.commands = new CommandConsumer(bootstrapServers, serdes, "pgpulse-collector-" + agentId,
                topics.commands(), topics.commandResults(), executor, listener.onResult());
        AtomicInteger threadNumber = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(settings.threads(), runnable -> {
            Thread thread = new Thread(runnable, "pgpulse-collector-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.commandThread = new Thread(commands, "pgpulse-command-executor");
        metrics.targets(running::size);
    }

    public synchronized void start() {
        if (started || closed) {
            return;
        }
        started = true;
        if (settings.metricsAddress() != null) {
            endpoint = MetricsEndpoint.start(settings.metricsAddress(), metrics);
            log.info("self-metrics at {}", endpoint.url());
        }
        for (TargetConfig target : configured) {
            watch(target, false);
        }
        for (DiscoveryConfig discovery : settings.discoveries()) {
            scheduler.scheduleWithFixedDelay(() -> discover(discovery), 0, discovery.refresh().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        commandThread.start();
    }

    private void watch(TargetConfig target, boolean discovered) {
        String source = target.sourceId().toString();
        SnapshotCollector collector = new SnapshotCollector(target, catalog, Clock.systemUTC());
        long intervalMs = target.interval().toMillis();
        // Spread the first snapshots over one interval, so hundreds of targets do not all start at once.
        long firstDelayMs = configured.size() + running.size() <= 1 ? 0 : ThreadLocalRandom.current().nextLong(intervalMs);
        ScheduledFuture<?> schedule = scheduler.scheduleAtFixedRate(() -> snapshot(collector), firstDelayMs, intervalMs,
                TimeUnit.MILLISECONDS);
        Running previous = running.put(source, new Running(collector, schedule, discovered));
        bySource.put(source, target);
        if (previous != null) {
            retire(previous);
        }
    }

    private void discover(DiscoveryConfig discovery) {
        List<String> databases;
        try {
            databases = DatabaseLister.databases(discovery.seed());
        } catch (SQLException e) {
            log.warn("{}: cannot list databases ({}): {}; the databases already found are still watched",
                    discovery.seed().sourceId(), e.getSQLState(), e.getMessage());
            return;
        }
        Set<String> wanted = new HashSet<>();
        for (String database : databases) {
            if (!discovery.watches(database)) {
                continue;
            }
            TargetConfig target = discovery.seed().onDatabase(database, Map.of());
            String source = target.sourceId().toString();
            wanted.add(source);
            if (!running.containsKey(source)) {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    watch(target, true);
                }
                log.info("{}: discovered; watching it every {}", source, target.interval());
            }
        }
        String cluster = discovery.seed().cluster();
        for (Map.Entry<String, Running> entry : running.entrySet()) {
            Running r = entry.getValue();
            if (r.discovered() && r.collector().target().cluster().equals(cluster) && !wanted.contains(entry.getKey())) {
                if (running.remove(entry.getKey(), r)) {
                    bySource.remove(entry.getKey());
                    retire(r);
                    log.info("{}: no longer in the cluster's databases; retired", entry.getKey());
                }
            }
        }
    }

    private static void retire(Running r) {
        r.schedule().cancel(false);
        r.collector().close();
    }

    private void snapshot(SnapshotCollector collector) {
        try {
            long started = System.nanoTime();
            PgSnapshot snapshot = collector.collect();
            metrics.snapshotTaken(snapshot.getSourceId(), snapshot.getUp(), Duration.ofNanos(System.nanoTime() - started));
            publisher.publish(snapshot);
            listener.onSnapshot().accept(snapshot);
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: keep the schedule alive and say what went wrong.
            log.error("{}: snapshot not taken: {}", collector.target().sourceId(), e.toString(), e);
        }
    }

    /** Snapshots acknowledged by Kafka. */
    public long publishedSnapshots() {
        return publisher.published();
    }

    /** Snapshots dropped from the full publish buffer while Kafka was unreachable. */
    public long droppedSnapshots() {
        return publisher.dropped();
    }

    /** Source ids currently watched. */
    public Set<String> watchedSources() {
        return Set.copyOf(running.keySet());
    }

    /** The agent's own metrics. */
    public AgentMetrics metrics() {
        return metrics;
    }

    /** Where the self-metrics endpoint answers, when it runs. */
    public synchronized Optional<URI> metricsUrl() {
        return Optional.ofNullable(endpoint).map(MetricsEndpoint::url);
    }

    /** Stops taking snapshots, flushes the buffer to Kafka (within the flush timeout), then stops. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.shutdown();
        commands.close();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
            if (commandThread.isAlive()) {
                commandThread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commands.closeProducer();
        remediationSwitch.close();
        publisher.close(settings.flushTimeout());
        running.values().forEach(r -> r.collector().close());
        running.clear();
        synchronized (this) {
            if (endpoint != null) {
                endpoint.close();
            }
        }
        log.debug("collector agent stopped");
    }
}
