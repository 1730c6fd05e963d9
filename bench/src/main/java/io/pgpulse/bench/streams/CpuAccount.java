package io.pgpulse.bench.streams;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the process's CPU went between two moments: by kind of thread (stream threads,
 * their producers and consumers, the broker, everything else), plus garbage collection,
 * so that a throughput figure says whether the processor or the broker next to it was busy.
 */
final class CpuAccount {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private Map<Long, Long> startByThread;
    private Map<Long, String> names;
    private long startProcess;
    private long startGc;
    private long startWall;

    void start() {
        startByThread = new HashMap<>();
        names = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                startByThread.put(info.getThreadId(), Math.max(0, threads.getThreadCpuTime(info.getThreadId())));
                names.put(info.getThreadId(), info.getThreadName());
            }
        }
        startProcess = processCpu();
        startGc = gcMs();
        startWall = System.nanoTime();
    }

    private double coresBusy;

    /** Cores the whole process used between {@link #start} and the last {@link #stop}. */
    double coresBusy() {
        return coresBusy;
    }

    /** One line: cores used in all, and by kind of thread. */
    String stop() {
        double wall = (System.nanoTime() - startWall) / 1e9;
        coresBusy = (processCpu() - startProcess) / 1e9 / wall;
        Map<String, Long> byKind = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = threads.getThreadCpuTime(info.getThreadId());
            long before = startByThread.getOrDefault(info.getThreadId(), 0L);
            byKind.merge(kind(info.getThreadName()), Math.max(0, now - before), Long::sum);
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "cores busy %.2f of %d (", (processCpu() - startProcess) / 1e9 / wall,
                Runtime.getRuntime().availableProcessors()));
        byKind.forEach((kind, nanos) -> out.append(String.format(Locale.ROOT, "%s %.2f, ", kind, nanos / 1e9 / wall)));
        out.append(String.format(Locale.ROOT, "gc %.0f ms/s; the rest is JIT and other native threads)", (gcMs() - startGc) / wall));
        return out.toString();
    }

    private static String kind(String thread) {
        if (thread.contains("StreamThread")) {
            return thread.contains("producer") ? "streams-producer" : "stream-threads";
        }
        if (thread.startsWith("kafka-producer-network-thread")) {
            return "other-producers";
        }
        if (thread.startsWith("data-plane") || thread.startsWith("kafka-") || thread.contains("Reaper")
                || thread.contains("Txn") || thread.startsWith("group-coordinator") || thread.startsWith("quorum")
                || thread.startsWith("log-") || thread.startsWith("broker-") || thread.startsWith("controller")) {
            return "broker";
        }
        return "other";
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long gcMs() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
