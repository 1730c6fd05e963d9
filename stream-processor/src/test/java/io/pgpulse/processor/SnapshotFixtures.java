package io.pgpulse.processor;

import io.pgpulse.avro.ActivitySummary;
import io.pgpulse.avro.DatabaseStats;
import io.pgpulse.avro.IndexSize;
import io.pgpulse.avro.IndexStats;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.avro.ServerInfo;
import io.pgpulse.avro.StatementStats;
import io.pgpulse.avro.StatementsSection;
import io.pgpulse.avro.TableStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builds realistic snapshots for topology tests: counters as a database would report them. */
final class SnapshotFixtures {

    static final String SOURCE = "pg-test/app";
    static final Instant START = Instant.parse("2026-11-25T12:00:00Z");
    static final Instant POSTMASTER_START = Instant.parse("2026-11-20T08:00:00Z");

    private SnapshotFixtures() {
    }

    /** A database-wide counter state: commits and block reads/hits. */
    record Db(long commits, long blksRead, long blksHit) {
    }

    static TableStats table(String schema, String name, long oid, long ins, long upd, long live, long dead) {
        return TableStats.newBuilder()
                .setSchemaName(schema).setName(name).setOid(oid)
                .setSeqScan(10).setSeqTupRead(100).setIdxScan(5).setIdxTupFetch(50)
                .setNTupIns(ins).setNTupUpd(upd).setNTupDel(0).setNTupHotUpd(0)
                .setNLiveTup(live).setNDeadTup(dead).setNModSinceAnalyze(0)
                .setVacuumCount(0).setAutovacuumCount(0).setAnalyzeCount(0).setAutoanalyzeCount(0)
                .setHeapBlksRead(0).setHeapBlksHit(0).setIdxBlksRead(0).setIdxBlksHit(0)
                .build();
    }

    static IndexStats index(String table, long tableOid, String name, long oid, long scans, boolean unique) {
        return IndexStats.newBuilder()
                .setSchemaName("public").setTableName(table).setTableOid(tableOid).setName(name).setOid(oid)
                .setIdxScan(scans).setIdxTupRead(scans).setIdxTupFetch(scans).setIdxBlksRead(0).setIdxBlksHit(scans)
                .setIsUnique(unique).setIsPrimary(unique).setIsValid(true)
                .build();
    }

    static IndexSize indexSize(String name, long oid, long bytes, double bloatRatio) {
        return IndexSize.newBuilder().setSchemaName("public").setName(name).setOid(oid).setSizeBytes(bytes)
                .setEstimatedBloatBytes((long) (bytes * bloatRatio)).setEstimatedBloatRatio(bloatRatio).build();
    }

    /** One statement's cumulative counters: calls and total execution time in milliseconds. */
    static StatementStats statement(long queryId, long calls, double totalMs) {
        return StatementStats.newBuilder()
                .setQueryid(queryId).setUserid(10).setQuery("SELECT " + queryId)
                .setCalls(calls).setTotalExecTimeMs(totalMs).setMeanExecTimeMs(calls == 0 ? 0 : totalMs / calls)
                .setRows(calls).setSharedBlksHit(0).setSharedBlksRead(0).setTempBlksWritten(0)
                .build();
    }

    static StatementsSection statements(StatementStats... top) {
        long calls = 0;
        double time = 0;
        for (StatementStats s : top) {
            calls += s.getCalls();
            time += s.getTotalExecTimeMs();
        }
        return StatementsSection.newBuilder().setStatementCount(top.length).setTotalCalls(calls)
                .setTotalExecTimeMs(time).setTop(List.of(top)).build();
    }

    static PgSnapshot snapshot(Instant at, Instant postmasterStart, Db db, List<TableStats> tables) {
        return builder(at, postmasterStart, db, tables).build();
    }

    /** A snapshot to adjust before building it: 3 of 100 connections in use, no statements, no indexes. */
    static PgSnapshot.Builder builder(Instant at, Instant postmasterStart, Db db, List<TableStats> tables) {
        return PgSnapshot.newBuilder()
                .setSourceId(SOURCE).setCluster("pg-test").setDatabase("app")
                .setCollectedAt(at).setIntervalMs(2000).setTags(Map.of("env", "test"))
                .setUp(true).setError(null).setCollectionMs(3)
                .setServer(ServerInfo.newBuilder().setVersionNum(180000).setPostmasterStartTime(postmasterStart)
                        .setInRecovery(false).setMaxConnections(100).build())
                .setDatabaseStats(databaseStats(db, null))
                .setTables(tables)
                .setActivity(activity(3, 0, null));
    }

    static DatabaseStats databaseStats(Db db, Instant statsReset) {
        return DatabaseStats.newBuilder()
                .setNumbackends(3).setXactCommit(db.commits()).setXactRollback(0)
                .setBlksRead(db.blksRead()).setBlksHit(db.blksHit())
                .setTupReturned(0).setTupFetched(0).setTupInserted(0).setTupUpdated(0).setTupDeleted(0)
                .setTempFiles(0).setTempBytes(0).setDeadlocks(0)
                .setBlkReadTimeMs(0).setBlkWriteTimeMs(0).setStatsReset(statsReset)
                .setSizeBytes(10_000_000).setXidAge(1000).build();
    }

    static ActivitySummary activity(int total, int waitingOnLock, Double oldestXactAgeS) {
        return ActivitySummary.newBuilder().setTotal(total).setActive(1).setIdle(Math.max(0, total - 1))
                .setIdleInTransaction(0).setWaitingOnLock(waitingOnLock).setOldestXactAgeS(oldestXactAgeS).build();
    }

    static PgSnapshot down(Instant at) {
        return PgSnapshot.newBuilder()
                .setSourceId(SOURCE).setCluster("pg-test").setDatabase("app")
                .setCollectedAt(at).setIntervalMs(2000).setUp(false)
                .setError(io.pgpulse.avro.CollectionError.newBuilder().setSqlstate("08001")
                        .setErrorClass("connection").setMessage("Connection refused").build())
                .build();
    }
}
