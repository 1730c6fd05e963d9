package io.pgpulse.processor.delta;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.processor.internal.Deltas;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the latest snapshot of every source in {@value #STORE} and turns each new
 * snapshot into the deltas since that one ({@link DeltaCalculator}). A snapshot
 * older than the stored one (a redelivery or a late straggler) is dropped: its
 * deltas were already counted. A snapshot of a database that is down passes on
 * (rules need to see it) but does not replace the baseline, so that the deltas
 * after an outage without restart span the outage.
 */
public final class CounterDeltaProcessor implements FixedKeyProcessor<String, PgSnapshot, Deltas> {

    public static final String STORE = "last-snapshot";

    private static final Logger log = LoggerFactory.getLogger(CounterDeltaProcessor.class);

    private FixedKeyProcessorContext<String, Deltas> context;
    private KeyValueStore<String, PgSnapshot> lastSnapshot;

    @Override
    public void init(FixedKeyProcessorContext<String, Deltas> context) {
        this.context = context;
        this.lastSnapshot = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, PgSnapshot> record) {
        PgSnapshot current = record.value();
        PgSnapshot previous = lastSnapshot.get(current.getSourceId());
        if (previous != null && !current.getCollectedAt().isAfter(previous.getCollectedAt())) {
            log.debug("{}: snapshot of {} is not newer than {}; dropped", current.getSourceId(),
                    current.getCollectedAt(), previous.getCollectedAt());
            return;
        }
        Deltas deltas = DeltaCalculator.between(previous, current);
        if (current.getUp()) {
            lastSnapshot.put(current.getSourceId(), current);
        }
        context.forward(record.withValue(deltas));
    }
}
