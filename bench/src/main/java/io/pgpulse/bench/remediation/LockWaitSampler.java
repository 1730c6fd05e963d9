package io.pgpulse.bench.remediation;

import io.pgpulse.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples, every 50 ms, how long application backends (any database of the cluster)
 * have been waiting on a lock held by the pgpulse executor, and counts the waits that
 * went past the executor's lock_timeout.
 */
final class LockWaitSampler implements Runnable {

    private static final String QUERY = """
            SELECT w.pid, (extract(epoch FROM now() - w.query_start) * 1000)::bigint AS waited_ms
              FROM pg_stat_activity w
             WHERE w.wait_event_type = 'Lock'
               AND w.application_name <> 'pgpulse-executor'
               AND EXISTS (SELECT 1 FROM pg_stat_activity e
                            WHERE e.application_name = 'pgpulse-executor'
                              AND e.pid = ANY (pg_blocking_pids(w.pid)))
            """;

    private final EmbeddedPostgres postgres;
    private final long limitMs;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong longestWaitMs = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private final java.util.Set<Integer> overLimit = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Thread thread;

    private LockWaitSampler(EmbeddedPostgres postgres, Duration limit) {
        this.postgres = postgres;
        this.limitMs = limit.toMillis();
    }

    static LockWaitSampler start(EmbeddedPostgres postgres, Duration limit) {
        LockWaitSampler sampler = new LockWaitSampler(postgres, limit);
        sampler.thread = new Thread(sampler, "lock-wait-sampler");
        sampler.thread.setDaemon(true);
        sampler.thread.start();
        return sampler;
    }

    @Override
    public void run() {
        try (Connection conn = postgres.connect("postgres"); Statement st = conn.createStatement()) {
            while (running.get()) {
                try (ResultSet rs = st.executeQuery(QUERY)) {
                    while (rs.next()) {
                        long waited = rs.getLong("waited_ms");
                        longestWaitMs.accumulateAndGet(waited, Math::max);
                        if (waited > limitMs) {
                            overLimit.add(rs.getInt("pid"));
                        }
                    }
                }
                samples.incrementAndGet();
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            RemediationBench.log("lock-wait sampler stopped: %s", e.getMessage());
        }
    }

    void stop() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }

    long longestWaitMs() {
        return longestWaitMs.get();
    }

    long samples() {
        return samples.get();
    }

    /** Application backends seen waiting on the executor longer than lock_timeout. */
    int waitsOverLimit() {
        return overLimit.size();
    }
}
