package io.pgpulse.collector;

import io.pgpulse.collector.publish.SnapshotPublisher;
import io.pgpulse.collector.target.DiscoveryConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one agent runs, beyond its targets.
 *
 * @param threads          snapshot threads shared by all targets (a bounded pool: a slow target holds one, never all)
 * @param bufferSnapshots  snapshots kept while Kafka is unreachable before the oldest are dropped
 * @param flushTimeout     how long stopping waits for buffered snapshots to reach Kafka
 * @param groupIntervals   metric group name to interval, replacing metrics.yaml's (e.g. table_sizes: 15m)
 * @param metricsAddress   where the Prometheus self-metrics endpoint listens, or null for none
 * @param discoveries      clusters whose databases are discovered and watched
 */
public record CollectorSettings(int threads, int bufferSnapshots, Duration flushTimeout,
                                Map<String, Duration> groupIntervals, InetSocketAddress metricsAddress,
                                List<DiscoveryConfig> discoveries) {

    /** Snapshot threads by default: enough for hundreds of targets at 10 s, few enough for a small host. */
    public static final int DEFAULT_THREADS = 4;

    public CollectorSettings {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, found " + threads);
        }
        if (bufferSnapshots < 1) {
            throw new IllegalArgumentException("bufferSnapshots must be at least 1, found " + bufferSnapshots);
        }
        Objects.requireNonNull(flushTimeout, "flushTimeout");
        groupIntervals = Map.copyOf(groupIntervals);
        discoveries = List.copyOf(discoveries);
    }

    public static CollectorSettings defaults() {
        return new CollectorSettings(DEFAULT_THREADS, SnapshotPublisher.DEFAULT_CAPACITY,
                SnapshotPublisher.DEFAULT_FLUSH_TIMEOUT, Map.of(), null, List.of());
    }

    public CollectorSettings withMetricsAddress(InetSocketAddress address) {
        return new CollectorSettings(threads, bufferSnapshots, flushTimeout, groupIntervals, address, discoveries);
    }

    public CollectorSettings withBuffer(int snapshots) {
        return new CollectorSettings(threads, snapshots, flushTimeout, groupIntervals, metricsAddress, discoveries);
    }

    public CollectorSettings withDiscoveries(List<DiscoveryConfig> more) {
        return new CollectorSettings(threads, bufferSnapshots, flushTimeout, groupIntervals, metricsAddress, more);
    }

    public CollectorSettings withThreads(int n) {
        return new CollectorSettings(n, bufferSnapshots, flushTimeout, groupIntervals, metricsAddress, discoveries);
    }
}
