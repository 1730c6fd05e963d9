package io.pgpulse.bench.serde;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroDeserializer;
import io.pgpulse.schemas.serde.AvroSerializer;
import io.pgpulse.schemas.serde.InMemorySchemaRegistry;
import io.pgpulse.schemas.serde.SchemaRegistry;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Writes and reads one {@link LargeSnapshot} per operation: with pgpulse's Confluent
 * wire-format Avro serde (the classes the collector and the stream processor use), and with
 * Jackson JSON of the same objects ({@link SnapshotJson}). The schema id is registered once in
 * setup, as a running producer has it cached; no registry call is measured. Setup checks that
 * both round trips give back the snapshot they were given.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SnapshotSerdeBenchmark {

    private static final String TOPIC = Topics.defaults().snapshots();

    private PgSnapshot snapshot;
    private AvroSerializer<PgSnapshot> avroWriter;
    private AvroDeserializer<PgSnapshot> avroReader;
    private ObjectMapper json;
    private byte[] avroBytes;
    private byte[] jsonBytes;

    @Setup
    public void setUp() throws IOException {
        snapshot = LargeSnapshot.build();
        SchemaRegistry registry = new InMemorySchemaRegistry();
        avroWriter = AvroSerializer.forClass(PgSnapshot.class, registry, false, true);
        avroReader = AvroDeserializer.forClass(PgSnapshot.class, registry);
        json = SnapshotJson.mapper();
        avroBytes = avroWriter.serialize(TOPIC, snapshot);
        jsonBytes = json.writeValueAsBytes(snapshot);
        requireSame("Avro", avroReader.deserialize(TOPIC, avroBytes));
        requireSame("JSON", json.readValue(jsonBytes, PgSnapshot.class));
    }

    @Benchmark
    public byte[] avroSerialize() {
        return avroWriter.serialize(TOPIC, snapshot);
    }

    @Benchmark
    public PgSnapshot avroDeserialize() {
        return avroReader.deserialize(TOPIC, avroBytes);
    }

    @Benchmark
    public byte[] jsonSerialize() throws IOException {
        return json.writeValueAsBytes(snapshot);
    }

    @Benchmark
    public PgSnapshot jsonDeserialize() throws IOException {
        return json.readValue(jsonBytes, PgSnapshot.class);
    }

    private void requireSame(String format, PgSnapshot back) {
        if (!snapshot.equals(back)) {
            throw new IllegalStateException(format + " round trip changed the snapshot: the comparison would not"
                    + " be of the same data");
        }
    }
}
