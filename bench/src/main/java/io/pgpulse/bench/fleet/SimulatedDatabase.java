package io.pgpulse.bench.fleet;

import io.pgpulse.avro.ActivitySummary;
import io.pgpulse.avro.ArchiverStats;
import io.pgpulse.avro.CheckpointerStats;
import io.pgpulse.avro.CollectionError;
import io.pgpulse.avro.DatabaseStats;
import io.pgpulse.avro.IndexSize;
import io.pgpulse.avro.IndexStats;
import io.pgpulse.avro.LockSummary;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.ReplicaStats;
import io.pgpulse.avro.ReplicationStats;
import io.pgpulse.avro.ServerInfo;
import io.pgpulse.avro.StatementStats;
import io.pgpulse.avro.StatementsSection;
import io.pgpulse.avro.TableSize;
import io.pgpulse.avro.TableStats;
import io.pgpulse.avro.WalStats;
import io.pgpulse.bench.fleet.FleetSimulator.Trouble;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One simulated database: cumulative counters that grow with a skewed, noisy workload,
 * gauges that follow them (dead tuples pile up until autovacuum clears them), and sizes
 * on a slower interval (every {@value #SIZES_EVERY}th snapshot), as the collector reports.
 */
final class SimulatedDatabase {

    static final int TABLES = 200;
    static final int INDEXES = 2 * TABLES;
    static final int STATEMENTS = 50;
    static final int SIZES_EVERY = 6;

    private static final String[] SCHEMAS = {"public", "public", "public", "billing", "audit"};
    private static final String[] NOUNS = {"users", "accounts", "orders", "order_items", "payments", "invoices",
            "sessions", "events", "audit_logs", "api_keys", "products", "prices", "carts", "shipments", "addresses",
            "tickets", "comments", "attachments", "notifications", "subscriptions"};
    private static final String[] COLUMNS = {"created_at", "user_id", "account_id", "status", "external_id", "updated_at"};

    private final String sourceId;
    private final String cluster;
    private final String database;
    private final Trouble trouble;
    private final SplittableRandom random;
    private final long intervalMs;
    private final Map<String, String> tags;
    private final Instant postmasterStart;
    private final int maxConnections;
    private final double writesPerS;
    private final double callsPerS;

    // Tables: names and counters.
    private final String[] tableSchema = new String[TABLES];
    private final String[] tableName = new String[TABLES];
    private final long[] tableOid = new long[TABLES];
    private final double[] tableWeight = new double[TABLES];
    private final long[] seqScan = new long[TABLES];
    private final long[] seqTupRead = new long[TABLES];
    private final long[] idxScan = new long[TABLES];
    private final long[] idxTupFetch = new long[TABLES];
    private final long[] ins = new long[TABLES];
    private final long[] upd = new long[TABLES];
    private final long[] del = new long[TABLES];
    private final long[] hotUpd = new long[TABLES];
    private final long[] live = new long[TABLES];
    private final long[] dead = new long[TABLES];
    private final long[] modSinceAnalyze = new long[TABLES];
    private final long[] autovacuums = new long[TABLES];
    private final long[] autoanalyzes = new long[TABLES];
    private final long[] heapRead = new long[TABLES];
    private final long[] heapHit = new long[TABLES];
    private final long[] idxRead = new long[TABLES];
    private final long[] idxHit = new long[TABLES];
    private final Instant[] lastAutovacuum = new Instant[TABLES];
    private final Instant[] lastAutoanalyze = new Instant[TABLES];
    private final long[] heapBytes = new long[TABLES];

    // Indexes: two per table, the primary key and one secondary index.
    private final String[] indexName = new String[INDEXES];
    private final long[] indexOid = new long[INDEXES];
    private final long[] indexScans = new long[INDEXES];
    private final long[] indexTupRead = new long[INDEXES];
    private final long[] indexBlksRead = new long[INDEXES];
    private final long[] indexBlksHit = new long[INDEXES];
    private final long[] indexBytes = new long[INDEXES];

    // Statements.
    private final long[] queryId = new long[STATEMENTS];
    private final String[] query = new String[STATEMENTS];
    private final double[] statementWeight = new double[STATEMENTS];
    private final double[] statementMeanMs = new double[STATEMENTS];
    private final long[] calls = new long[STATEMENTS];
    private final double[] execTimeMs = new double[STATEMENTS];
    private final long[] rows = new long[STATEMENTS];

    // Database-wide counters.
    private long xactCommit;
    private long xactRollback;
    private long blksRead;
    private long blksHit;
    private long tupReturned;
    private long tupFetched;
    private long tempFiles;
    private long tempBytes;
    private long deadlocks;
    private long sizeBytes;
    private long xidAge;
    private long checkpointsTimed;
    private long checkpointsReq;
    private long walRecords;
    private long walBytes;
    private long archived;

    private Instant previousAt;
    private long snapshots;

    SimulatedDatabase(int index, Trouble trouble, SplittableRandom random, Instant start, long intervalMs) {
        this.cluster = "sim-" + (index / 10);
        this.database = "db" + index;
        this.sourceId = cluster + "/" + database;
        this.trouble = trouble;
        this.random = random;
        this.intervalMs = intervalMs;
        this.tags = Map.of("env", index % 4 == 0 ? "staging" : "prod", "team", "team-" + (index % 7));
        this.postmasterStart = start.minusSeconds(86_400L * (1 + random.nextInt(30)));
        this.maxConnections = index % 3 == 0 ? 200 : 100;
        this.writesPerS = 200 + random.nextDouble() * 1800;
        this.callsPerS = 500 + random.nextDouble() * 2500;
        this.previousAt = start.minusMillis(intervalMs);
        this.xidAge = 50_000_000L + random.nextInt(150_000_000);
        this.sizeBytes = 0;

        double weights = 0;
        long oid = 16_384;
        for (int t = 0; t < TABLES; t++) {
            tableSchema[t] = SCHEMAS[t % SCHEMAS.length];
            tableName[t] = NOUNS[t % NOUNS.length] + (t < NOUNS.length ? "" : "_" + (t / NOUNS.length));
            tableOid[t] = oid;
            oid += 7;
            tableWeight[t] = 1.0 / Math.pow(t + 1, 1.2);
            weights += tableWeight[t];
            live[t] = (long) (1_000 + 5_000_000 * tableWeight[t] * random.nextDouble());
            ins[t] = live[t] + random.nextInt(1000);
            upd[t] = live[t] * 3;
            del[t] = random.nextInt(1000);
            dead[t] = live[t] / 50;
            seqScan[t] = random.nextInt(10_000);
            idxScan[t] = live[t] * 10;
            heapBytes[t] = Math.max(8192, live[t] * 120);
            sizeBytes += heapBytes[t] * 2;
            for (int k = 0; k < 2; k++) {
                int i = 2 * t + k;
                indexName[i] = k == 0 ? tableName[t] + "_pkey" : tableName[t] + "_" + COLUMNS[t % COLUMNS.length] + "_idx";
                indexOid[i] = oid;
                oid += 3;
                indexBytes[i] = Math.max(8192, live[t] * (k == 0 ? 30 : 40));
                indexScans[i] = unused(i) ? 0 : idxScan[t] / 2;
            }
        }
        for (int t = 0; t < TABLES; t++) {
            tableWeight[t] /= weights;
        }
        weights = 0;
        for (int s = 0; s < STATEMENTS; s++) {
            queryId[s] = random.nextLong();
            query[s] = queryText(s);
            statementWeight[s] = 1.0 / Math.pow(s + 1, 1.1);
            weights += statementWeight[s];
            statementMeanMs[s] = Math.exp(random.nextGaussian(0.5, 1.0)); // median about 1.6 ms
            if (trouble == Trouble.SLOW_STATEMENTS && s % 5 == 1) {
                statementMeanMs[s] = 150 + random.nextDouble() * 300;
            }
            calls[s] = 1_000 + random.nextInt(1_000_000);
            execTimeMs[s] = calls[s] * statementMeanMs[s];
        }
        for (int s = 0; s < STATEMENTS; s++) {
            statementWeight[s] /= weights;
        }
        if (trouble == Trouble.BLOAT) {
            dead[bloatedTable()] = live[bloatedTable()] / 2;
        }
    }

    String sourceId() {
        return sourceId;
    }

    Trouble trouble() {
        return trouble;
    }

    /** Every tenth secondary index is never scanned. */
    private static boolean unused(int index) {
        return index % 20 == 11;
    }

    private static int bloatedTable() {
        return 3;
    }

    private String queryText(int s) {
        String table = tableName[(s * 3) % TABLES];
        String other = tableName[(s * 3 + 1) % TABLES];
        StringBuilder sql = new StringBuilder(400);
        switch (s % 4) {
            case 0 -> sql.append("SELECT t.id, t.status, t.created_at, t.updated_at, o.account_id, o.external_id FROM ")
                    .append(table).append(" t JOIN ").append(other)
                    .append(" o ON o.id = t.").append(COLUMNS[s % COLUMNS.length])
                    .append(" WHERE t.account_id = $1 AND t.status = ANY($2) AND t.created_at >= $3 ORDER BY t.created_at DESC LIMIT $4");
            case 1 -> sql.append("UPDATE ").append(table)
                    .append(" SET status = $1, updated_at = now(), version = version + $2 WHERE id = $3 AND version = $4 RETURNING id, version");
            case 2 -> sql.append("INSERT INTO ").append(table)
                    .append(" (account_id, user_id, status, payload, created_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (external_id) DO NOTHING");
            default -> sql.append("SELECT count(*), sum(amount), max(created_at) FROM ").append(table)
                    .append(" WHERE account_id = $1 AND created_at BETWEEN $2 AND $3 GROUP BY date_trunc($4, created_at) HAVING count(*) > $5");
        }
        sql.append(" /* app=").append(NOUNS[s % NOUNS.length]).append("-service */");
        return sql.toString();
    }

    PgSnapshot next(Instant at) {
        if (!at.isAfter(previousAt)) {
            throw new IllegalArgumentException(sourceId + ": snapshot at " + at + " is not after " + previousAt);
        }
        double dt = (at.toEpochMilli() - previousAt.toEpochMilli()) / 1000.0;
        previousAt = at;
        long number = snapshots++;
        PgSnapshot snapshot = new PgSnapshot();
        snapshot.setSourceId(sourceId);
        snapshot.setCluster(cluster);
        snapshot.setDatabase(database);
        snapshot.setCollectedAt(at);
        snapshot.setIntervalMs(intervalMs);
        snapshot.setTags(tags);
        snapshot.setCollectionMs(20L + random.nextInt(40));
        snapshot.setSettings(null);
        snapshot.setPgbouncer(null);
        snapshot.setGroupErrors(Map.of());
        grow(dt, at);
        if (trouble == Trouble.OUTAGE && number % 60 >= 50) {
            snapshot.setUp(false);
            snapshot.setError(new CollectionError("08001", "connection",
                    "connection to server at \"" + cluster + "\" failed: Connection refused"));
            snapshot.setGroupsCollected(List.of());
            return snapshot;
        }
        snapshot.setUp(true);
        boolean sizes = number % SIZES_EVERY == 0;
        snapshot.setServer(new ServerInfo(170_006, postmasterStart, false, maxConnections));
        snapshot.setDatabaseStats(databaseStats());
        snapshot.setTables(tables());
        snapshot.setIndexes(indexes());
        snapshot.setTableSizes(sizes ? tableSizes() : null);
        snapshot.setIndexSizes(sizes ? indexSizes() : null);
        snapshot.setActivity(activity());
        snapshot.setLocks(new LockSummary(0, List.of(), Map.of("AccessShareLock", 12 + random.nextInt(20),
                "RowExclusiveLock", random.nextInt(8))));
        snapshot.setStatements(statements());
        snapshot.setCheckpointer(new CheckpointerStats(checkpointsTimed, checkpointsReq, checkpointsTimed * 2_500.0,
                checkpointsTimed * 15.0, checkpointsTimed * 900, 50_000L, 12L, null, 9_000_000L, null));
        snapshot.setWal(new WalStats(walRecords, walRecords / 20, walBytes, 3L, null));
        snapshot.setArchiver(new ArchiverStats(archived, 0L, at.minusSeconds(20), null, null));
        snapshot.setReplication(new ReplicationStats(false, null, List.of(new ReplicaStats("replica-1", "10.0.0.2",
                "streaming", "async", 0.001, 0.002, 0.05 + random.nextDouble() * 0.3, (long) random.nextInt(200_000)))));
        snapshot.setGroupsCollected(sizes
                ? List.of("database", "tables", "indexes", "activity", "locks", "statements", "checkpointer", "wal",
                "archiver", "replication", "table_sizes", "index_sizes")
                : List.of("database", "tables", "indexes", "activity", "locks", "statements", "checkpointer", "wal",
                "archiver", "replication"));
        return snapshot;
    }

    private void grow(double dt, Instant at) {
        double writes = writesPerS * dt * noise();
        long totalIns = 0;
        long totalUpd = 0;
        long totalDel = 0;
        for (int t = 0; t < TABLES; t++) {
            double w = writes * tableWeight[t];
            long i = poissonish(w * 0.3);
            long u = poissonish(w * 0.6);
            long d = poissonish(w * 0.1);
            ins[t] += i;
            upd[t] += u;
            del[t] += d;
            hotUpd[t] += u / 2;
            live[t] += i - d;
            if (live[t] < 0) {
                live[t] = 0;
            }
            dead[t] += u + d;
            modSinceAnalyze[t] += i + u + d;
            long reads = poissonish(callsPerS * dt * tableWeight[t] * 2);
            idxScan[t] += reads;
            idxTupFetch[t] += reads * 3;
            if (random.nextInt(100) < 2) {
                seqScan[t]++;
                seqTupRead[t] += live[t];
            }
            long pages = reads * 4 + u + i;
            long misses = trouble == Trouble.CACHE_MISSES ? pages / 5 : pages / 300;
            heapHit[t] += pages - misses;
            heapRead[t] += misses;
            idxHit[t] += reads * 3;
            idxRead[t] += trouble == Trouble.CACHE_MISSES ? reads / 2 : reads / 500;
            for (int k = 0; k < 2; k++) {
                int x = 2 * t + k;
                if (!unused(x)) {
                    long scans = k == 0 ? reads * 2 / 3 : reads - reads * 2 / 3;
                    indexScans[x] += scans;
                    indexTupRead[x] += scans * 3;
                    indexBlksHit[x] += scans * 3;
                    indexBlksRead[x] += trouble == Trouble.CACHE_MISSES ? scans / 2 : scans / 500;
                }
            }
            boolean flapping = trouble == Trouble.FLAPPING && t == bloatedTable();
            if (flapping) {
                dead[t] = snapshots % 2 == 1 ? live[t] / 2 : 0;
            }
            boolean vacuumed = !flapping && !(trouble == Trouble.BLOAT && t == bloatedTable())
                    && dead[t] > 50 + live[t] / 5;
            if (vacuumed) {
                dead[t] = 0;
                autovacuums[t]++;
                lastAutovacuum[t] = at;
            }
            if (modSinceAnalyze[t] > 50 + live[t] / 10) {
                modSinceAnalyze[t] = 0;
                autoanalyzes[t]++;
                lastAutoanalyze[t] = at;
            }
            totalIns += i;
            totalUpd += u;
            totalDel += d;
        }
        double totalCalls = callsPerS * dt * noise();
        long returned = 0;
        for (int s = 0; s < STATEMENTS; s++) {
            long c = poissonish(totalCalls * statementWeight[s]);
            calls[s] += c;
            execTimeMs[s] += c * statementMeanMs[s] * (0.8 + 0.4 * random.nextDouble());
            rows[s] += c * (1 + s % 5);
            returned += c * (1 + s % 5);
        }
        long commits = (long) (totalCalls / 3);
        xactCommit += commits;
        xactRollback += commits / 200;
        long pages = (long) (totalCalls * 8);
        long misses = trouble == Trouble.CACHE_MISSES ? pages / 5 : pages / 200;
        blksHit += pages - misses;
        blksRead += misses;
        tupReturned += returned * 10;
        tupFetched += returned;
        if (random.nextInt(20) == 0) {
            tempFiles++;
            tempBytes += 8_388_608;
        }
        if (random.nextInt(5_000) == 0) {
            deadlocks++;
        }
        xidAge += commits;
        sizeBytes += (totalIns - totalDel) * 120;
        if (random.nextDouble() < dt / 300) {
            checkpointsTimed++;
        }
        if (random.nextDouble() < dt / 6_000) {
            checkpointsReq++;
        }
        walRecords += totalIns + totalUpd + totalDel;
        walBytes += (totalIns + totalUpd + totalDel) * 180;
        if (random.nextDouble() < dt / 60) {
            archived++;
        }
    }

    private DatabaseStats databaseStats() {
        return new DatabaseStats(backends(), xactCommit, xactRollback, blksRead, blksHit, tupReturned, tupFetched,
                sum(ins), sum(upd), sum(del), tempFiles, tempBytes, deadlocks, blksRead * 0.08, xactCommit * 0.01, null,
                sizeBytes, xidAge);
    }

    private int backends() {
        return trouble == Trouble.CONNECTIONS ? maxConnections * 9 / 10 : 8 + random.nextInt(25);
    }

    private List<TableStats> tables() {
        List<TableStats> out = new ArrayList<>(TABLES);
        for (int t = 0; t < TABLES; t++) {
            out.add(new TableStats(tableSchema[t], tableName[t], tableOid[t], seqScan[t], seqTupRead[t], idxScan[t],
                    idxTupFetch[t], ins[t], upd[t], del[t], hotUpd[t], live[t], dead[t], modSinceAnalyze[t], null,
                    lastAutovacuum[t], null, lastAutoanalyze[t], 0L, autovacuums[t], 0L, autoanalyzes[t],
                    heapRead[t], heapHit[t], idxRead[t], idxHit[t]));
        }
        return out;
    }

    private List<IndexStats> indexes() {
        List<IndexStats> out = new ArrayList<>(INDEXES);
        for (int x = 0; x < INDEXES; x++) {
            int t = x / 2;
            out.add(new IndexStats(tableSchema[t], tableName[t], tableOid[t], indexName[x], indexOid[x], indexScans[x],
                    indexTupRead[x], indexTupRead[x] / 2, indexBlksRead[x], indexBlksHit[x], x % 2 == 0, x % 2 == 0,
                    true));
        }
        return out;
    }

    private List<TableSize> tableSizes() {
        List<TableSize> out = new ArrayList<>(TABLES);
        for (int t = 0; t < TABLES; t++) {
            long heap = Math.max(heapBytes[t], (live[t] + dead[t]) * 120);
            long indexes = indexBytes[2 * t] + indexBytes[2 * t + 1];
            long bloat = dead[t] * 120;
            out.add(new TableSize(tableSchema[t], tableName[t], tableOid[t], heap, indexes, 8192L, heap + indexes + 8192,
                    bloat, heap == 0 ? 0.0 : (double) bloat / heap));
        }
        return out;
    }

    private List<IndexSize> indexSizes() {
        List<IndexSize> out = new ArrayList<>(INDEXES);
        for (int x = 0; x < INDEXES; x++) {
            long bloat = indexBytes[x] / 10;
            out.add(new IndexSize(tableSchema[x / 2], indexName[x], indexOid[x], indexBytes[x], bloat,
                    (double) bloat / indexBytes[x]));
        }
        return out;
    }

    private ActivitySummary activity() {
        int total = backends() + 2;
        int active = 1 + random.nextInt(6);
        int idleInTx = random.nextInt(3);
        return new ActivitySummary(total, active, total - active - idleInTx, idleInTx, 0,
                random.nextDouble() * 2, random.nextDouble(), idleInTx == 0 ? null : random.nextDouble() * 5);
    }

    private StatementsSection statements() {
        List<StatementStats> top = new ArrayList<>(STATEMENTS);
        long totalCalls = 0;
        double totalTime = 0;
        for (int s = 0; s < STATEMENTS; s++) {
            top.add(new StatementStats(queryId[s], 16_390L, query[s], calls[s], execTimeMs[s],
                    execTimeMs[s] / Math.max(1, calls[s]), rows[s], calls[s] * 6, calls[s] / 100, 0L, null, null));
            totalCalls += calls[s];
            totalTime += execTimeMs[s];
        }
        return new StatementsSection(STATEMENTS + 120, totalCalls + 10_000, totalTime * 1.05, top);
    }

    private double noise() {
        return 0.7 + 0.6 * random.nextDouble();
    }

    private long poissonish(double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean < 1) {
            return random.nextDouble() < mean ? 1 : 0;
        }
        return Math.max(0, Math.round(mean + Math.sqrt(mean) * (random.nextDouble() * 2 - 1)));
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) {
            total += v;
        }
        return total;
    }

    /** For tests of the simulator: counters by table name. */
    Map<String, Long> deadTuples() {
        Map<String, Long> out = new HashMap<>();
        for (int t = 0; t < TABLES; t++) {
            out.put(tableSchema[t] + "." + tableName[t], dead[t]);
        }
        return out;
    }
}
