package io.pgpulse.bench.collector;

import com.sun.management.OperatingSystemMXBean;
import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.collector.CollectorSettings;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.target.DiscoveryConfig;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.schemas.Topics;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One collector agent in its own JVM (so that its CPU and heap are its own), watching
 * every {@code fleet_*} database of one cluster through discovery, publishing to a real
 * broker. Warms up until every database has been snapshotted, then measures for the
 * given time and prints one line: {@code agent_cpu_pct=.. agent_heap_mb=.. ...}.
 *
 * <p>Arguments: bootstrap servers, registry URL, seed JDBC URL, databases expected,
 * interval seconds, measured seconds.
 */
public final class FleetAgent {

    private FleetAgent() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String registry = args[1];
        String seedUrl = args[2];
        int expected = Integer.parseInt(args[3]);
        Duration interval = Duration.ofSeconds(Long.parseLong(args[4]));
        long measureS = Long.parseLong(args[5]);

        TargetConfig seed = new TargetConfig("fleet", seedUrl, "pgpulse", null, interval, Map.of("env", "bench"));
        DiscoveryConfig discovery = new DiscoveryConfig(seed, Pattern.compile("fleet_[0-9]+"), null, Duration.ofMinutes(1));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (CollectorAgent agent = new CollectorAgent(bootstrap, registry, new Topics("bench-fleet"), List.of(),
                "bench-fleet", ExecutorPolicy.defaults(null),
                new CollectorAgent.Listener(s -> {
                    if (s.getUp()) {
                        seen.add(s.getSourceId());
                    }
                }, r -> { }),
                CollectorSettings.defaults().withDiscoveries(List.of(discovery)))) {
            agent.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            if (seen.size() < expected) {
                System.out.println("error: only " + seen.size() + " of " + expected + " databases were snapshotted");
                System.exit(1);
            }
            // Three more intervals: the first (slow-group) snapshots are behind us and the JIT has settled.
            Thread.sleep(3 * interval.toMillis());
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long published0 = agent.publishedSnapshots();
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            long maxHeap = 0;
            for (long s = 0; s < measureS; s++) {
                Thread.sleep(1000);
                maxHeap = Math.max(maxHeap, memory.getHeapMemoryUsage().getUsed());
            }
            long cpu = os.getProcessCpuTime() - cpu0;
            long wall = System.nanoTime() - wall0;
            long published = agent.publishedSnapshots() - published0;
            System.gc();
            long liveHeap = memory.getHeapMemoryUsage().getUsed();
            System.out.printf(java.util.Locale.ROOT,
                    "agent_cpu_pct=%.2f agent_heap_mb=%.1f agent_live_heap_mb=%.1f snapshots=%d targets=%d%n",
                    100.0 * cpu / wall, maxHeap / 1048576.0, liveHeap / 1048576.0, published, agent.watchedSources().size());
        }
        System.exit(0);
    }
}
