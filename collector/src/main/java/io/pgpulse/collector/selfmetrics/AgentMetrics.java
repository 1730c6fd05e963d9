package io.pgpulse.collector.selfmetrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The agent's own metrics, in a Prometheus registry that {@link MetricsEndpoint} serves:
 * snapshots taken per target and outcome, how long each took, how many bytes each
 * became on the topic, how many wait in the publish buffer, and how many were dropped
 * from it. Names are snake_case in the exposition ({@code pgpulse_collector_snapshots_total}).
 */
public final class AgentMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    /** One snapshot of {@code source} taken, {@code up} or not, in {@code duration}. */
    public void snapshotTaken(String source, boolean up, Duration duration) {
        Counter.builder("pgpulse.collector.snapshots")
                .description("Snapshots taken, by target and outcome (ok: up=true, failed: up=false)")
                .tag("source", source).tag("outcome", up ? "ok" : "failed")
                .register(registry).increment();
        Timer.builder("pgpulse.collector.snapshot.duration")
                .description("Time to take one snapshot, connection included")
                .tag("source", source)
                .register(registry).record(duration);
    }

    /** One snapshot of {@code source} serialized into {@code bytes} bytes for the topic. */
    public void snapshotSerialized(String source, int bytes) {
        DistributionSummary.builder("pgpulse.collector.snapshot.size")
                .description("Size of one snapshot on the topic (Avro, before compression)")
                .baseUnit("bytes")
                .tag("source", source)
                .register(registry).record(bytes);
    }

    public void snapshotDelivered(String source) {
        Counter.builder("pgpulse.collector.snapshots.delivered")
                .description("Snapshots acknowledged by Kafka")
                .tag("source", source)
                .register(registry).increment();
    }

    /** The oldest buffered snapshot of {@code source} was dropped to make room (Kafka unreachable too long). */
    public void snapshotDropped(String source) {
        Counter.builder("pgpulse.collector.snapshots.dropped")
                .description("Snapshots dropped from the full publish buffer, oldest first")
                .tag("source", source)
                .register(registry).increment();
    }

    /** Reports {@code depth} as the number of snapshots waiting to be published. */
    public void bufferDepth(Supplier<Number> depth) {
        Gauge.builder("pgpulse.collector.buffer.depth", depth)
                .description("Snapshots waiting in the publish buffer or in flight to Kafka")
                .register(registry);
    }

    /** Reports {@code targets} as the number of databases watched. */
    public void targets(Supplier<Number> targets) {
        Gauge.builder("pgpulse.collector.targets", targets)
                .description("Databases this agent watches (configured and discovered)")
                .register(registry);
    }
}
