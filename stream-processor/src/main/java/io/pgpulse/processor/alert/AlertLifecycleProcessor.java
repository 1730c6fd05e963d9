package io.pgpulse.processor.alert;

import io.pgpulse.avro.Alert;
import io.pgpulse.processor.delta.CounterDeltaProcessor;
import io.pgpulse.processor.metrics.MetricsFrame;
import io.pgpulse.processor.state.SourceState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs the {@link AlertLifecycle} of every source of its task and emits the FIRING and
 * RESOLVED events keyed by fingerprint. Reads metrics frames (every snapshot and every
 * closed window), maintenance commands and command results, all keyed by source. Store:
 * {@value #BOOK_STORE}, the {@link AlertBook} of each source with open incidents (a source
 * without any has no entry).
 *
 * <p>Silence is a wall-clock matter: a source that sent nothing for some collection
 * intervals cannot be noticed from its (absent) snapshots. A wall-clock punctuation every
 * {@code silenceCheck} compares, for every source of the task, the time since its last
 * snapshot was processed with its interval. Those times are kept in memory only: after a
 * restart every source starts with a clean slate (a restart is no evidence of silence).
 */
public final class AlertLifecycleProcessor implements Processor<String, LifecycleInput, String, Alert> {

    public static final String BOOK_STORE = "alert-book";

    private final AlertLifecycle lifecycle;
    private final Duration silenceCheck;
    private final Map<String, Heard> heard = new HashMap<>();
    private ProcessorContext<String, Alert> context;
    private KeyValueStore<String, byte[]> books;
    private KeyValueStore<String, byte[]> sources;

    /** When a source was last heard of (wall clock) and what it said about itself. */
    private static final class Heard {
        long atMs;
        long intervalMs;
        Map<String, String> tags;
        boolean silenceOpen;

        Heard(long atMs, long intervalMs, Map<String, String> tags) {
            this.atMs = atMs;
            this.intervalMs = intervalMs;
            this.tags = tags;
        }
    }

    public AlertLifecycleProcessor(io.pgpulse.processor.rule.RuleSet rules, RemediationFollowUp followUp,
                                   Duration silenceCheck) {
        this.lifecycle = new AlertLifecycle(rules, followUp);
        this.silenceCheck = silenceCheck;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        this.context = context;
        this.books = context.getStateStore(BOOK_STORE);
        this.sources = context.getStateStore(CounterDeltaProcessor.SOURCE_STORE);
        heard.clear();
        if (!lifecycle.hasSilenceRules()) {
            return;
        }
        long now = context.currentSystemTimeMs();
        try (KeyValueIterator<String, byte[]> it = sources.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                SourceState.Header header = SourceState.readHeader(entry.value);
                Heard h = new Heard(now, header.intervalMs(), header.tags());
                byte[] book = books.get(entry.key);
                h.silenceOpen = book != null && !AlertBook.read(book).isEmpty();
                heard.put(entry.key, h);
            }
        }
        context.schedule(silenceCheck, PunctuationType.WALL_CLOCK_TIME, this::checkSilence);
    }

    @Override
    public void process(Record<String, LifecycleInput> record) {
        LifecycleInput input = record.value();
        AlertLifecycle.Changes changes = new AlertLifecycle.Changes();
        AlertBook book;
        List<Alert> events;
        if (input.frame() != null) {
            MetricsFrame frame = input.frame();
            if (frame.kind == MetricsFrame.Kind.SNAPSHOT && lifecycle.hasSilenceRules()) {
                Heard h = heard.computeIfAbsent(frame.sourceId, s -> new Heard(0, frame.intervalMs, frame.tags));
                h.atMs = context.currentSystemTimeMs();
                h.intervalMs = frame.intervalMs;
                h.tags = frame.tags;
            }
            book = load(frame.sourceId);
            events = lifecycle.onFrame(book, frame, changes);
        } else if (input.command() != null) {
            book = load(input.command().getSourceId());
            lifecycle.onCommand(book, input.command(), changes);
            events = List.of();
        } else {
            book = load(input.result().getSourceId());
            events = lifecycle.onResult(book, input.result(), changes);
        }
        if (changes.changed) {
            store(book);
        }
        events.forEach(this::emit);
    }

    private void checkSilence(long now) {
        for (Map.Entry<String, Heard> e : heard.entrySet()) {
            Heard h = e.getValue();
            if (h.intervalMs <= 0) {
                continue;
            }
            double intervals = Math.floor((double) (now - h.atMs) / h.intervalMs);
            if (intervals < 1 && !h.silenceOpen) {
                continue;
            }
            MetricsFrame frame = new MetricsFrame(MetricsFrame.Kind.SNAPSHOT, e.getKey(), now, now, 0, 0);
            frame.tags = h.tags;
            frame.intervalMs = h.intervalMs;
            frame.up = true;
            frame.setSilentIntervals(intervals);
            AlertBook book = load(e.getKey());
            AlertLifecycle.Changes changes = new AlertLifecycle.Changes();
            List<Alert> events = lifecycle.onSilence(book, frame, changes);
            if (changes.changed) {
                store(book);
            }
            h.silenceOpen = !book.isEmpty();
            events.forEach(this::emit);
        }
    }

    private AlertBook load(String source) {
        byte[] bytes = books.get(source);
        return bytes == null ? new AlertBook(source) : AlertBook.read(bytes);
    }

    private void store(AlertBook book) {
        if (book.isEmpty()) {
            books.delete(book.sourceId);
        } else {
            books.put(book.sourceId, book.write());
        }
    }

    private void emit(Alert alert) {
        context.forward(new Record<>(alert.getFingerprint(), alert, alert.getEventAt().toEpochMilli()));
    }

    /** The FIRING alerts in a stored book, for the fleet API. */
    public static List<Alert> firingAlerts(byte[] storedBook) {
        return AlertBook.read(storedBook).firing();
    }
}
