package io.pgpulse.processor.window;

import static io.pgpulse.processor.state.StateWriter.NONE;

import io.pgpulse.processor.delta.CounterDeltaProcessor;
import io.pgpulse.processor.delta.SourceStep;
import io.pgpulse.processor.metrics.FrameNames;
import io.pgpulse.processor.metrics.MetricsCalculator;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.state.ObjectCatalog;
import io.pgpulse.processor.state.SourceState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each source's steps into metrics frames: one per snapshot (rules that watch
 * gauges evaluate it at once) and one per closed window (published on the metrics topic).
 *
 * <p>A window's metrics are the difference of the source's state at its two edges
 * ({@link MetricsCalculator}), so nothing is summed per window: when a source's snapshots
 * cross a pane edge, the state as of its last snapshot before the edge is kept as a
 * checkpoint under that edge ({@value #CHECKPOINT_STORE}, {@value #OBJECT_CHECKPOINT_STORE}, keyed
 * {@code source \0 edge}), and each window the source has data in is put on the schedule
 * ({@value #SCHEDULE_STORE}, keyed {@code end \0 source}). When stream time (the largest
 * {@code collected_at} seen, kept in {@value #CLOCK_STORE}) passes a window's end plus grace,
 * the window is computed and emitted, once, and its entry removed. Windows are aligned, so every
 * source's fall due together: each source's close is put off by its own fixed offset of up to
 * {@code closeSpread}, and at most {@code closeBudget} windows close per snapshot (the rest on a
 * wall-clock punctuation), so that the moment every source's window ends does not stall the
 * snapshots behind it. A snapshot that arrives before its window closed still counts in it.
 */
public final class WindowProcessor implements Processor<String, SourceStep, String, MetricsFrame> {

    public static final String CHECKPOINT_STORE = "window-checkpoints";
    public static final String OBJECT_CHECKPOINT_STORE = "window-object-checkpoints";
    public static final String SCHEDULE_STORE = "window-schedule";
    public static final String CLOCK_STORE = "window-clock";

    /** The key of the stream time in {@value #CLOCK_STORE}. */
    public static final String STREAM_TIME = "stream-time";

    private final WindowSpec spec;
    private final MetricsCalculator calculator;
    private final int closeBudget;
    private final long closeSpreadMs;
    private final Duration drainInterval;
    private final int cacheSources;
    private final java.util.Map<String, CachedCatalog> catalogs = new java.util.HashMap<>();
    private ProcessorContext<String, MetricsFrame> context;
    private KeyValueStore<String, byte[]> sources;
    private KeyValueStore<String, byte[]> objects;
    private KeyValueStore<String, byte[]> names;
    private KeyValueStore<String, byte[]> checkpoints;
    private KeyValueStore<String, byte[]> objectCheckpoints;
    private KeyValueStore<String, byte[]> schedule;
    private KeyValueStore<String, Long> clock;
    private long streamTime;
    private WindowEdges edges;
    /**
     * The keys of {@value #SCHEDULE_STORE}, also kept in memory (rebuilt whenever the task is initialized):
     * the schedule is a queue, read from its head while its head is deleted, and an iterator over RocksDB
     * steps over every deleted key still in its files, so reading the head from the store grew slower
     * with every window closed until a compaction.
     */
    private final java.util.TreeSet<Due> scheduled = new java.util.TreeSet<>();
    /** A scheduled window: its key in {@value #SCHEDULE_STORE}, and when it closes (end plus its source's offset). */
    private record Due(long closeAt, String key) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(closeAt, o.closeAt);
            return c != 0 ? c : key.compareTo(o.key);
        }
    }

    /**
     * @param closeBudget   windows closed at most per snapshot
     * @param closeSpread   how far past end plus grace a source's windows may close (less than a pane)
     * @param drainInterval how often (wall clock) windows due but over budget are closed
     */
    public WindowProcessor(WindowSpec spec, MetricsCalculator calculator, int closeBudget, Duration closeSpread,
                           Duration drainInterval, int cacheSources) {
        if (closeBudget < 1) {
            throw new IllegalArgumentException("closeBudget must be at least 1, found " + closeBudget);
        }
        this.spec = spec;
        this.calculator = calculator;
        this.closeBudget = closeBudget;
        this.closeSpreadMs = closeSpread.toMillis();
        this.drainInterval = drainInterval;
        this.cacheSources = cacheSources;
    }

    @Override
    public void init(ProcessorContext<String, MetricsFrame> context) {
        this.context = context;
        this.sources = context.getStateStore(CounterDeltaProcessor.SOURCE_STORE);
        this.objects = context.getStateStore(CounterDeltaProcessor.OBJECT_STORE);
        this.names = context.getStateStore(CounterDeltaProcessor.NAMES_STORE);
        this.checkpoints = context.getStateStore(CHECKPOINT_STORE);
        this.objectCheckpoints = context.getStateStore(OBJECT_CHECKPOINT_STORE);
        this.schedule = context.getStateStore(SCHEDULE_STORE);
        this.clock = context.getStateStore(CLOCK_STORE);
        catalogs.clear();
        this.edges = new WindowEdges(sources, objects, checkpoints, objectCheckpoints);
        Long stored = clock.get(STREAM_TIME);
        this.streamTime = stored == null ? NONE : stored;
        scheduled.clear();
        try (KeyValueIterator<String, byte[]> it = schedule.all()) {
            while (it.hasNext()) {
                scheduled.add(due(it.next().key));
            }
        }
        // The wall clock closes what snapshots did not (a quiet stream), a bounded amount at a time too.
        context.schedule(drainInterval, PunctuationType.WALL_CLOCK_TIME, now -> drain(closeBudget * 16));
    }

    @Override
    public void process(Record<String, SourceStep> record) {
        SourceStep step = record.value();
        SourceState next = step.next();
        String source = next.sourceId;
        long t = next.lastSeenMs;
        if (streamTime == NONE || t > streamTime) {
            streamTime = t;
            clock.put(STREAM_TIME, t);
        }
        long previousSeen = step.previous().lastSeenMs;
        long pane = spec.paneMs();
        boolean newPane = previousSeen == NONE || Math.floorDiv(previousSeen, pane) != Math.floorDiv(t, pane);
        if (newPane && previousSeen != NONE) {
            checkpoint(source, previousSeen, step, t);
        }
        if (newPane) {
            for (long end : spec.endsContaining(t)) {
                if (end + spec.graceMs() > streamTime) { // else every window ending there closed already
                    Due due = new Due(end + offset(source), scheduleKey(end, source));
                    if (scheduled.add(due)) {
                        schedule.put(due.key(), new byte[0]);
                    }
                }
            }
        }
        long from = previousSeen == NONE ? t : previousSeen;
        MetricsFrame instant = calculator.frame(MetricsFrame.Kind.SNAPSHOT, step.previous(), next, from, t, t - from, 0,
                FrameNames.of(step.snapshot()), true);
        context.forward(new Record<>(source, instant, record.timestamp()));
        drain(closeBudget);
    }

    /**
     * Keeps the state before this step (as of the source's previous snapshot) under every pane edge
     * the step crossed: that is the source's state at each of those edges, which windows starting or
     * ending there are computed from. Forgets the ones no window still to close can need.
     */
    private void checkpoint(String source, long previousSeen, SourceStep step, long now) {
        long pane = spec.paneMs();
        long first = (Math.floorDiv(previousSeen, pane) + 1) * pane;
        long last = Math.floorDiv(now, pane) * pane;
        byte[] objectBytes = step.objectsWritten() ? step.previousObjects() : objects.get(source);
        long sourceKeep = keep(spec.longestMs());
        long objectKeep = keep(spec.tumblingMs());
        for (long edge = Math.max(first, last - sourceKeep); edge <= last; edge += pane) {
            String key = checkpointKey(source, edge);
            checkpoints.put(key, step.previousSource());
            if (objectBytes != null && edge >= last - objectKeep) {
                objectCheckpoints.put(key, objectBytes);
            }
        }
        // Windows still to close end no earlier than this: the oldest one scheduled (it closes at most
        // closeSpread after its end), or one closing from now on.
        long oldestEnd = scheduled.isEmpty() ? now - spec.graceMs()
                : Math.min(now - spec.graceMs(), nextDue() - closeSpreadMs);
        boolean steady = first == last && oldestEnd >= now - spec.graceMs() - pane;
        if (steady) {
            // The usual step: one edge crossed, windows closing on time. The edges this one pushes out
            // of what any window can still need were written one by one; delete them the same way.
            checkpoints.delete(checkpointKey(source, last - sourceKeep - pane));
            objectCheckpoints.delete(checkpointKey(source, last - objectKeep - pane));
        } else {
            prune(checkpoints, source, Math.min(oldestEnd - pane - spec.longestMs(), last - sourceKeep));
            prune(objectCheckpoints, source, Math.min(oldestEnd - pane - spec.tumblingMs(), last - objectKeep));
        }
    }

    /** How far back (from the latest edge) checkpoints are kept for windows of {@code size}: a whole number of panes. */
    private long keep(long size) {
        long pane = spec.paneMs();
        long span = size + spec.graceMs() + pane;
        return (span + pane - 1) / pane * pane;
    }

    /** Deletes the checkpoints of {@code source} at edges before {@code threshold}. */
    private static void prune(KeyValueStore<String, byte[]> store, String source, long threshold) {
        if (threshold <= 0) {
            return;
        }
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(checkpointKey(source, 0), checkpointKey(source, threshold - 1))) {
            while (it.hasNext()) {
                old.add(it.next().key);
            }
        }
        old.forEach(store::delete);
    }

    /**
     * Closes up to {@code budget} windows, earliest first, whose end plus their source's delay plus
     * grace stream time has passed.
     */
    private void drain(int budget) {
        if (streamTime == NONE) {
            return;
        }
        long closable = streamTime - spec.graceMs();
        for (int closed = 0; closed < budget && nextDue() <= closable; closed++) {
            String key = scheduled.pollFirst().key();
            close(key.substring(17), endOf(key));
            schedule.delete(key);
        }
    }

    /** When the earliest window on the schedule closes; {@code Long.MAX_VALUE} when none is. */
    private long nextDue() {
        return scheduled.isEmpty() ? Long.MAX_VALUE : scheduled.first().closeAt();
    }

    private Due due(String scheduleKey) {
        return new Due(endOf(scheduleKey) + offset(scheduleKey.substring(17)), scheduleKey);
    }

    /** The source's own delay of its closes: fixed, so that it is the same after a restart. */
    private long offset(String source) {
        if (closeSpreadMs == 0) {
            return 0;
        }
        // String.hashCode is specified, so the offset does not change between JVMs.
        return Math.floorMod(source.hashCode() * 0x9E3779B1L, closeSpreadMs);
    }

    private static long endOf(String scheduleKey) {
        return Long.parseLong(scheduleKey.substring(0, 16), 16);
    }

    private void close(String source, long end) {
        SourceState last = edges.before(source, end, true);
        if (spec.tumblingEndsAt(end)) {
            SourceState first = edges.before(source, end - spec.tumblingMs(), true);
            if (last.seen > first.seen) {
                MetricsFrame frame = calculator.frame(MetricsFrame.Kind.TUMBLING, first, last, end - spec.tumblingMs(), end,
                        spec.tumblingMs(), spec.tumblingMs(), FrameNames.of(catalog(source)), true);
                context.forward(new Record<>(source, frame, end));
            }
        }
        if (spec.hoppingEndsAt(end)) {
            SourceState first = edges.before(source, end - spec.hoppingMs(), false);
            if (last.seen > first.seen) {
                MetricsFrame frame = calculator.frame(MetricsFrame.Kind.HOPPING, first, last, end - spec.hoppingMs(), end,
                        spec.hoppingMs(), spec.advanceMs(), FrameNames.of(ObjectCatalog.empty()), false);
                context.forward(new Record<>(source, frame, end));
            }
        }
    }

    /** The source's catalog, decoded again only when its stored bytes changed (names rarely change). */
    private ObjectCatalog catalog(String source) {
        byte[] bytes = names.get(source);
        if (bytes == null) {
            return ObjectCatalog.empty();
        }
        CachedCatalog cached = catalogs.get(source);
        if (cached != null && java.util.Arrays.equals(cached.bytes(), bytes)) {
            return cached.catalog();
        }
        ObjectCatalog catalog = ObjectCatalog.read(bytes);
        if (cached != null || catalogs.size() < cacheSources) {
            catalogs.put(source, new CachedCatalog(bytes, catalog));
        }
        return catalog;
    }

    private record CachedCatalog(byte[] bytes, ObjectCatalog catalog) {
    }

    static String checkpointKey(String source, long at) {
        return WindowEdges.checkpointKey(source, at);
    }

    static String scheduleKey(long end, String source) {
        return hex(end) + '\u0000' + source;
    }

    private static String hex(long value) {
        return WindowEdges.hex(value);
    }
}
