package io.pgpulse.bench.fleet;

import io.pgpulse.avro.PgSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A simulated fleet of PostgreSQL databases, each with {@value SimulatedDatabase#TABLES}
 * tables, {@value SimulatedDatabase#INDEXES} indexes and
 * {@value SimulatedDatabase#STATEMENTS} tracked statements whose counters grow the way a
 * busy OLTP database's do: a few hot tables take most writes, most tables are nearly
 * idle, statements are called in proportion to a skewed popularity. A share of the
 * sources misbehave so that rules fire: one table bloats, connections run out, the cache
 * hit ratio drops, statements slow down, or the database goes down for a while.
 *
 * <p>Deterministic for a seed: the same fleet produces the same snapshots, so two runs
 * (or a run and its plain-consumer ceiling) see the same bytes.
 */
public final class FleetSimulator {

    /** How a misbehaving source misbehaves; {@link #NONE} for a healthy one. */
    public enum Trouble {
        NONE, BLOAT, CONNECTIONS, CACHE_MISSES, SLOW_STATEMENTS, OUTAGE,
        /** One table is bloated in every other snapshot and clean in the others: every snapshot is an alert event. */
        FLAPPING
    }

    private final List<SimulatedDatabase> databases;

    /**
     * @param sources        how many databases
     * @param troubledShare  share of them (0..1) that misbehave, spread evenly over the kinds of trouble
     * @param seed           the fleet's seed
     * @param start          collection time of the first snapshot of every source
     * @param intervalMs     collection interval, also written into each snapshot
     */
    public FleetSimulator(int sources, double troubledShare, long seed, Instant start, long intervalMs) {
        if (sources < 1) {
            throw new IllegalArgumentException("sources must be at least 1, found " + sources);
        }
        if (troubledShare < 0 || troubledShare > 1) {
            throw new IllegalArgumentException("troubledShare must be within 0..1, found " + troubledShare);
        }
        Objects.requireNonNull(start, "start");
        SplittableRandom random = new SplittableRandom(seed);
        Trouble[] kinds = Trouble.values();
        int troubled = (int) Math.round(sources * troubledShare);
        databases = new ArrayList<>(sources);
        for (int i = 0; i < sources; i++) {
            // Troubled sources are spread over the fleet (every k-th), not bunched at the start.
            boolean isTroubled = troubled > 0 && i % Math.max(1, sources / troubled) == 0
                    && i / Math.max(1, sources / troubled) < troubled;
            Trouble trouble = isTroubled ? kinds[1 + (i / Math.max(1, sources / troubled)) % (kinds.length - 1)] : Trouble.NONE;
            databases.add(new SimulatedDatabase(i, trouble, random.split(), start, intervalMs));
        }
    }

    public int size() {
        return databases.size();
    }

    public String sourceId(int source) {
        return databases.get(source).sourceId();
    }

    public Trouble trouble(int source) {
        return databases.get(source).trouble();
    }

    /** The next snapshot of {@code source}, collected at {@code at} (must be later than its previous one). */
    public PgSnapshot next(int source, Instant at) {
        return databases.get(source).next(at);
    }
}
