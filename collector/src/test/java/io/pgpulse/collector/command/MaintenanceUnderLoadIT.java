package io.pgpulse.collector.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.DebianTool;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.SigningKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Maintenance while pgbench hammers the same tables: every command completes, pgbench
 * sees no failed transaction, and no application backend waits on a lock held by the
 * executor for longer than the executor's lock_timeout (sampled from pg_stat_activity
 * every 50 ms). pgbench comes from Debian's postgresql-15 package, which
 * deploy/scripts/install-pgbench.sh installs (.ci/run calls it).
 */
class MaintenanceUnderLoadIT {

    private static Path pgbenchBinary;

    @Test
    void maintenanceUnderPgbenchNeverHoldsTheApplicationLongerThanLockTimeout() throws Exception {
        pgbenchBinary = DebianTool.pgbench().require();
        SigningKeys keys = SigningKeys.parse(SigningKeys.generate("load-it"));
        ExecutorPolicy policy = ExecutorPolicy.defaults(keys);
        try (EmbeddedPostgres postgres = EmbeddedPostgres.start(18)) {
            postgres.createDatabase("bench");
            run(postgres, List.of("-i", "-s", "5", "-q"));
            try (Connection conn = postgres.connect("bench"); Statement st = conn.createStatement()) {
                // A quarter of the accounts updated: dead tuples for VACUUM to clean while pgbench runs.
                st.execute("ALTER TABLE pgbench_accounts SET (autovacuum_enabled = false)");
                st.execute("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 4 = 0");
            }
            TargetConfig target = new TargetConfig("pg-load", postgres.jdbcUrl("bench"), postgres.user(), null,
                    Duration.ofSeconds(10), Map.of());
            CommandExecutor executor = new CommandExecutor(Map.of("pg-load/bench", target), policy, new ExecutedCommands(),
                    () -> false, Clock.systemUTC());

            LockWaitSampler sampler = new LockWaitSampler(postgres);
            Thread sampling = new Thread(sampler, "lock-wait-sampler");
            sampling.start();
            Process pgbench = start(postgres, List.of("-n", "-c", "4", "-j", "2", "-T", "20", "-r"));
            List<CommandResult> results = new ArrayList<>();
            try {
                results.add(executor.execute(command(keys, MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE,
                        "pgbench_accounts", postgres), 1).result());
                results.add(executor.execute(command(keys, MaintenanceAction.REINDEX_INDEX_CONCURRENTLY, ObjectKind.INDEX,
                        "pgbench_accounts_pkey", postgres), 1).result());
                results.add(executor.execute(command(keys, MaintenanceAction.ANALYZE, ObjectKind.TABLE,
                        "pgbench_branches", postgres), 1).result());
            } finally {
                boolean finished = pgbench.waitFor(90, TimeUnit.SECONDS);
                sampler.stop();
                sampling.join(5_000);
                if (!finished) {
                    pgbench.destroyForcibly();
                }
            }
            String report = new String(pgbench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.printf("maintenance under load: longest application wait on the executor %d ms (lock_timeout %d ms), "
                            + "%d samples; pgbench: %s%n", sampler.longestWaitMs.get(), policy.lockTimeout().toMillis(),
                    sampler.samples.get(), report.lines().filter(l -> l.startsWith("tps")).findFirst().orElse("?"));

            assertThat(pgbench.exitValue()).as(report).isZero();
            assertThat(report).contains("number of failed transactions: 0");
            assertThat(results).allSatisfy(r -> assertThat(r.getOutcome()).as(r.getReason()).isEqualTo(CommandOutcome.DONE));
            assertThat(results.get(0).getAfter().getNDeadTup()).isLessThan(results.get(0).getBefore().getNDeadTup());
            assertThat(sampler.samples.get()).as("the sampler ran").isPositive();
            assertThat(sampler.longestWaitMs.get()).as("longest application wait on a maintenance lock, ms")
                    .isLessThanOrEqualTo(policy.lockTimeout().toMillis());
        }
    }

    private static MaintenanceCommand command(SigningKeys keys, MaintenanceAction action, ObjectKind kind, String name,
                                              EmbeddedPostgres postgres) throws Exception {
        long oid;
        try (Connection conn = postgres.connect("bench");
             java.sql.PreparedStatement ps = conn.prepareStatement("SELECT to_regclass(?)::oid::bigint")) {
            ps.setString(1, "public." + name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                oid = rs.getLong(1);
            }
        }
        Instant now = Instant.now();
        return CommandSignature.sign(MaintenanceCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString()).setSourceId("pg-load/bench").setAction(action)
                .setTarget(ObjectRef.newBuilder().setKind(kind).setSchemaName("public").setName(name).setOid(oid).build())
                .setReason("load test").setIssuedAt(now).setExpiresAt(now.plus(Duration.ofMinutes(10))).build(), keys);
    }

    private static void run(EmbeddedPostgres postgres, List<String> args) throws IOException, InterruptedException {
        Process p = start(postgres, args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static Process start(EmbeddedPostgres postgres, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(pgbenchBinary.toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(postgres.port()), "-U", postgres.user()));
        command.addAll(args);
        command.add("bench");
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Samples how long application backends have been waiting on locks held by the executor. */
    private static final class LockWaitSampler implements Runnable {
        private static final String QUERY = """
                SELECT coalesce(max(extract(epoch FROM now() - w.query_start) * 1000), 0)::bigint
                  FROM pg_stat_activity w
                 WHERE w.wait_event_type = 'Lock'
                   AND w.application_name <> 'pgpulse-executor'
                   AND EXISTS (SELECT 1 FROM pg_stat_activity e
                                WHERE e.application_name = 'pgpulse-executor'
                                  AND e.pid = ANY (pg_blocking_pids(w.pid)))
                """;
        private final EmbeddedPostgres postgres;
        private final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong longestWaitMs = new AtomicLong();
        final AtomicLong samples = new AtomicLong();

        LockWaitSampler(EmbeddedPostgres postgres) {
            this.postgres = postgres;
        }

        void stop() {
            running.set(false);
        }

        @Override
        public void run() {
            try (Connection conn = postgres.connect("bench"); Statement st = conn.createStatement()) {
                while (running.get()) {
                    try (ResultSet rs = st.executeQuery(QUERY)) {
                        rs.next();
                        longestWaitMs.accumulateAndGet(rs.getLong(1), Math::max);
                        samples.incrementAndGet();
                    }
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                throw new IllegalStateException("lock-wait sampler failed", e);
            }
        }
    }
}
