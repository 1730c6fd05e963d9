package io.pgpulse.bench.serde;

import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.schemas.sample.SampleRecords;
import java.util.Map;

/**
 * The snapshot the serde benchmark writes and reads: one database with {@value #TABLES} tables
 * and {@value #INDEXES} indexes, every other section filled as well (two entries per list),
 * values from {@link SampleRecords} with a fixed seed, so every run measures the same bytes.
 */
final class LargeSnapshot {

    static final int TABLES = 1000;
    static final int INDEXES = 2000;
    private static final long SEED = 20_261_125L;

    private LargeSnapshot() {
    }

    static PgSnapshot build() {
        return SampleRecords.of(PgSnapshot.class, SEED, Map.of("tables", TABLES, "indexes", INDEXES));
    }
}
