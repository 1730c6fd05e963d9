package io.pgpulse.launcher;

import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.launcher.config.PgpulseConfig;
import io.pgpulse.processor.StreamProcessorApp;
import io.pgpulse.processor.rule.RuleSet;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.sink.AlertSink;
import io.pgpulse.schemas.command.RemediationSwitch;
import io.pgpulse.sink.history.HistoryStore;
import io.pgpulse.sink.remediation.RemediationPlanner;
import io.pgpulse.sink.remediation.RemediationPolicy;
import io.pgpulse.sink.remediation.RemediationView;
import io.pgpulse.sink.remediation.RetentionScheduler;
import io.pgpulse.sink.routing.Notifications;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;

/**
 * The three services of one pgpulse installation, started against one Kafka and
 * one registry: the stream processor first (so no window is missed), then the alert
 * sink, then the collector. Closing stops them in reverse order; it is idempotent
 * and also stops whatever had started when a later start failed.
 */
public final class PgpulseServices implements AutoCloseable {

    /** Progress observers; the demo prints them, {@code up} logs them. */
    public record Listeners(CollectorAgent.Listener collector, AlertSink.Listener sink) {
    }

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private Notifications notifications;
    private CollectorAgent collector;
    private StreamProcessorApp processor;
    private boolean closed;

    private PgpulseServices() {
    }

    public static PgpulseServices start(PgpulseConfig config, String bootstrapServers, String registryUrl,
                                        String instanceId, Listeners listeners) {
        PgpulseServices services = new PgpulseServices();
        try {
            TopicProvisioner.ensure(bootstrapServers, config.kafka().topics(), 1);

            RuleSet rules = config.processor().rulesFile() == null
                    ? RuleSet.defaults() : RuleSet.load(config.processor().rulesFile());
            PgpulseConfig.Processor p = config.processor();
            StreamProcessorApp processor = new StreamProcessorApp(new StreamProcessorApp.Config(
                    bootstrapServers, registryUrl, config.kafka().topics(),
                    config.kafka().topics().prefix() + "-stream-processor",
                    p.stateDir().resolve(instanceId), p.settings(), rules, p.standbyReplicas(),
                    Optional.ofNullable(p.apiAddress()).map(a -> new InetSocketAddress(a.getHostString(), a.getPort()))
                            .orElse(null),
                    Map.of()));
            services.started.push(processor);
            services.processor = processor;
            processor.start();

            PgpulseConfig.Sink sinkConfig = config.sink();
            Notifications notifications = Notifications.start(new Notifications.Settings(bootstrapServers, registryUrl,
                    config.kafka().topics(), config.kafka().topics().prefix() + "-alert-sink",
                    sinkConfig.effectiveRouting(),
                    Optional.ofNullable(sinkConfig.history()).map(h -> new HistoryStore(h.url(), h.user(), h.password(),
                            h.retention())),
                    Optional.ofNullable(sinkConfig.apiAddress())
                            .map(a -> new InetSocketAddress(a.getHostString(), a.getPort()))), Clock.systemUTC());
            services.started.push(notifications);
            services.notifications = notifications;
            Optional<RemediationPlanner> remediation = Optional.empty();
            Optional<RetentionScheduler> retention = Optional.empty();
            PgpulseConfig.Remediation rem = config.remediation();
            if (rem.enabled()) {
                RemediationSwitch remediationSwitch = RemediationSwitch.follow(bootstrapServers, config.kafka().topics(),
                        Duration.ofSeconds(30));
                services.started.push(remediationSwitch);
                RemediationPolicy policy = rem.policyFile() == null
                        ? RemediationPolicy.defaults(rem.dryRun()) : RemediationPolicy.load(rem.policyFile(), rem.dryRun());
                RemediationPlanner planner = new RemediationPlanner(policy, rem.keys(), remediationSwitch::paused,
                        Clock.systemUTC());
                notifications.showRemediation(() -> RemediationView.json(planner, remediationSwitch));
                remediation = Optional.of(planner);
                retention = Optional.of(new RetentionScheduler(policy, rem.keys(), remediationSwitch::paused,
                        Clock.systemUTC()));
            }
            AlertSink sink = new AlertSink(bootstrapServers, registryUrl, config.kafka().topics(),
                    config.kafka().topics().prefix() + "-alert-sink", remediation, retention, listeners.sink());
            services.started.push(sink);
            sink.start();

            CollectorAgent collector = new CollectorAgent(bootstrapServers, registryUrl, config.kafka().topics(),
                    config.targets(), instanceId, rem.executor(), listeners.collector(), config.collector());
            services.started.push(collector);
            services.collector = collector;
            collector.start();
            return services;
        } catch (RuntimeException e) {
            services.close();
            throw e;
        }
    }

    /** Where the collector's Prometheus self-metrics answer, if they are served. */
    public Optional<URI> collectorMetricsUrl() {
        return collector == null ? Optional.empty() : collector.metricsUrl();
    }

    /** Where the stream processor's fleet API answers, if it runs. */
    public Optional<URI> fleetApiUrl() {
        return processor == null ? Optional.empty() : processor.apiUrl();
    }

    /** Where the alert sink's HTTP API (silences) answers, if it runs. */
    public Optional<URI> sinkApiUrl() {
        return notifications == null ? Optional.empty() : notifications.apiUrl();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("pgpulse: error while stopping a service: " + e);
            }
        }
    }
}
