package io.pgpulse.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.processor.delta.SnapshotApplier;
import io.pgpulse.processor.snapshot.SnapshotColumns;
import io.pgpulse.processor.snapshot.SnapshotColumnsReader;
import io.pgpulse.processor.state.SourceState;
import io.pgpulse.schemas.sample.SampleRecords;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.schemas.serde.AvroSerializer;
import io.pgpulse.schemas.serde.InMemorySchemaRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The direct encoder must write, byte for byte, what the Avro serializer writes of the same frame. */
class MetricsEncoderTest {

    private static final String TOPIC = "pgpulse.metrics.v1";

    @Test
    void writesExactlyWhatTheAvroSerializerWrites() {
        AvroSerdes serdes = new AvroSerdes(new InMemorySchemaRegistry(), true);
        AvroSerializer<DerivedMetrics> serializer = serdes.serializer(DerivedMetrics.class);
        MetricsEncoder encoder = new MetricsEncoder(serializer, TOPIC);
        MetricsCalculator calculator = new MetricsCalculator(100);
        for (long seed = 1; seed <= 60; seed++) {
            PgSnapshot first = SampleRecords.of(PgSnapshot.class, seed, Map.of("tables", 4, "indexes", 5, "top", 3));
            first.setUp(true);
            PgSnapshot second = SampleRecords.of(PgSnapshot.class, seed + 1000, Map.of("tables", 4, "indexes", 5, "top", 3));
            second.setUp(seed % 7 != 0);
            second.setSourceId(first.getSourceId());
            if (seed % 4 == 0) {
                // Names of every length class: short ASCII, 64 characters and more, and not ASCII at all.
                second.getTables().get(0).setName("t".repeat(63));
                second.getTables().get(1).setName("t".repeat(64));
                second.getTables().get(2).setName("événements_" + "x".repeat(100));
                second.getTables().get(3).setSchemaName("ø");
            }
            second.setCollectedAt(first.getCollectedAt().plusSeconds(10));
            if (seed % 3 == 0) {
                second.setActivity(null);
                second.setLocks(null);
                second.setStatements(null);
            }
            SnapshotColumns a = SnapshotColumnsReader.read(first);
            SnapshotColumns b = SnapshotColumnsReader.read(second);
            SourceState s1 = SnapshotApplier.apply(null, a).next();
            SourceState s2 = SnapshotApplier.apply(s1, b).next();
            for (MetricsFrame.Kind kind : MetricsFrame.Kind.values()) {
                MetricsFrame frame = calculator.frame(kind, seed % 2 == 0 ? SourceState.empty(s1.sourceId) : s1, s2,
                        1_000_000, 1_060_000, 60_000, kind == MetricsFrame.Kind.HOPPING ? 10_000 : 60_000,
                        FrameNames.of(b), kind != MetricsFrame.Kind.HOPPING);
                byte[] expected = serializer.serialize(TOPIC, DerivedMetricsWriter.toAvro(frame));
                assertThat(encoder.write(frame, io.pgpulse.schemas.serde.WireFormat.schemaId(expected)))
                        .as("seed %d, %s", seed, kind).isEqualTo(expected);
                assertThat(encoder.encode(frame)).isEqualTo(expected);
            }
        }
        // The direct path, not the fallback, was in use.
        MetricsFrame frame = calculator.frame(MetricsFrame.Kind.TUMBLING, SourceState.empty("x/y"),
                SnapshotApplier.apply(null, SnapshotColumnsReader.read(SampleRecords.of(PgSnapshot.class, 5))).next(),
                0, 60_000, 60_000, 60_000, FrameNames.of(SnapshotColumnsReader.read(SampleRecords.of(PgSnapshot.class, 5))), true);
        byte[] viaAvro = serializer.serialize(TOPIC, DerivedMetricsWriter.toAvro(frame));
        assertThat(encoder.write(frame, io.pgpulse.schemas.serde.WireFormat.schemaId(viaAvro))).isEqualTo(viaAvro);
    }
}
