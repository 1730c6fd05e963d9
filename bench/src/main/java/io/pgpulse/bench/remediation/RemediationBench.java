package io.pgpulse.bench.remediation;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.DebianTool;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.launcher.PgpulseServices;
import io.pgpulse.launcher.config.PgpulseConfig;
import io.pgpulse.registry.SchemaRegistryServer;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.sink.AlertSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The remediation loop measured on a few databases under pgbench load: each has a
 * bloated pgbench_accounts; pgpulse must notice, vacuum it and resolve the alert,
 * while pgbench keeps running and no application query waits on a maintenance lock
 * longer than lock_timeout. Alongside, every kind of unsafe command is put on the
 * command topic and must be refused without touching anything.
 */
@Command(name = "remediation", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "The remediation loop on a few databases under pgbench load, plus every kind of unsafe command.")
public final class RemediationBench implements Callable<Integer> {

    /** pgbench, installed by the project's script on first use when missing (as root). */
    static Path pgbench;

    @Option(names = "--databases", defaultValue = "3", description = "Databases with a bloated table (default ${DEFAULT-VALUE}).")
    int databases;

    @Option(names = "--interval-s", defaultValue = "2", description = "Collection interval in seconds (default ${DEFAULT-VALUE}).")
    int intervalS;

    @Option(names = "--timeout-s", defaultValue = "300", description = "Give up after this many seconds (default ${DEFAULT-VALUE}).")
    int timeoutS;

    private final Map<String, Alert> firing = new ConcurrentHashMap<>();
    private final Map<String, Alert> resolved = new ConcurrentHashMap<>();
    private final List<CommandResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Integer> snapshots = new ConcurrentHashMap<>();
    private final Map<String, Instant> issued = new ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        try {
            pgbench = DebianTool.pgbench().require();
        } catch (IllegalStateException e) {
            System.err.println("pgpulse bench remediation: " + e.getMessage());
            return 2;
        }
        SigningKeys keys = SigningKeys.parse(SigningKeys.generate("bench"));
        ExecutorPolicy executor = ExecutorPolicy.defaults(keys).withRetryDelay(Duration.ofSeconds(5));
        Duration interval = Duration.ofSeconds(intervalS);
        Path stateDir = Files.createTempDirectory("pgpulse-bench-state");
        List<Process> load = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             SchemaRegistryServer registry = SchemaRegistryServer.start(kafka.bootstrapServers(), 0);
             EmbeddedPostgres postgres = EmbeddedPostgres.start(18)) {
            List<TargetConfig> targets = new ArrayList<>();
            for (int i = 1; i <= databases; i++) {
                String db = "app" + i;
                prepare(postgres, db);
                targets.add(new TargetConfig("bench", postgres.jdbcUrl(db), postgres.user(), null, interval, Map.of("env", "bench")));
            }
            log("prepared %d databases: pgbench scale 2, autovacuum off for pgbench_accounts", databases);
            LockWaitSampler sampler = LockWaitSampler.start(postgres, executor.lockTimeout());

            PgpulseConfig config = new PgpulseConfig(
                    new PgpulseConfig.Kafka(kafka.bootstrapServers(), registry.url(), Topics.defaults()), targets,
                    new PgpulseConfig.Processor(Duration.ofSeconds(10), Duration.ofSeconds(2), null, stateDir),
                    PgpulseConfig.Sink.webhookOnly(null, null),
                    new PgpulseConfig.Remediation(true, false, null, keys, executor));
            Instant started = Instant.now();
            try (PgpulseServices services = PgpulseServices.start(config, kafka.bootstrapServers(), registry.url(), "bench",
                    new PgpulseServices.Listeners(
                            new CollectorAgent.Listener(s -> snapshots.merge(s.getSourceId(), 1, Integer::sum), results::add),
                            new AlertSink.Listener(this::onAlert, c -> issued.putIfAbsent(c.getSourceId(), Instant.now()))))) {
                log("services started");
                // Measure the loop in steady state: every part has joined its groups and seen snapshots first.
                Instant warm = Instant.now().plusSeconds(60);
                while (Instant.now().isBefore(warm) && snapshots.values().stream().filter(n -> n >= 3).count() < databases) {
                    Thread.sleep(200);
                }
                // pgbench alone bloats pgbench_accounts past the threshold within half a minute: it starts
                // only now, with the bulk update, so that each incident begins here and not during the warm-up.
                for (int i = 1; i <= databases; i++) {
                    bloat(postgres, "app" + i);
                    load.add(Pgbench.start(postgres, "app" + i, List.of("-n", "-c", "2", "-j", "1", "-T",
                            Integer.toString(timeoutS))));
                }
                log("warm (3 snapshots of every database); a quarter of pgbench_accounts updated in each, pgbench running");
                UnsafeCommands unsafe = UnsafeCommands.send(postgres, kafka.bootstrapServers(), registry.url(), keys);
                log("put %d unsafe commands on the command topic", unsafe.ids().size());

                Instant deadline = started.plusSeconds(timeoutS);
                while (Instant.now().isBefore(deadline) && (bloatResolved() < databases || !unsafe.allAnswered(results))) {
                    Thread.sleep(500);
                }
                int refused = unsafe.refused(results);
                int unsafeExecuted = unsafe.executed(results) + unsafe.touchedCanaries(postgres);
                List<Double> loopSeconds = new ArrayList<>();
                for (Map.Entry<String, Alert> entry : firing.entrySet()) {
                    Alert end = resolved.get(entry.getKey());
                    if (end != null) {
                        loopSeconds.add(Duration.between(entry.getValue().getEventAt(), end.getEventAt()).toMillis() / 1000.0);
                        String source = entry.getValue().getSourceId();
                        Optional<CommandResult> done = results.stream()
                                .filter(r -> r.getSourceId().equals(source) && r.getOutcome() == CommandOutcome.DONE).findFirst();
                        log("%s: FIRING (snapshot) %s, command issued %s, VACUUM %s to %s, RESOLVED (snapshot) %s: %s",
                                source, entry.getValue().getEventAt(), issued.get(source),
                                done.map(r -> r.getStartedAt().toString()).orElse("-"),
                                done.map(r -> r.getFinishedAt().toString()).orElse("-"), end.getEventAt(),
                                end.getAnnotations().getOrDefault("remediation", "no remediation recorded"));
                    }
                }
                for (CommandResult result : results) {
                    if (!unsafe.ids().contains(result.getCommandId())) {
                        log("%s: command %s %s %s%s", result.getSourceId(), result.getCommandId(), result.getAction(),
                                result.getOutcome(), result.getReason() == null ? "" : " (" + result.getReason() + ")");
                    }
                }
                sampler.stop();
                loopSeconds.sort(Double::compare);
                double median = loopSeconds.isEmpty() ? Double.NaN : loopSeconds.get(loopSeconds.size() / 2);
                log("unsafe commands: %s", unsafe.describe(results));
                log("longest application wait on a maintenance lock: %d ms (lock_timeout %d ms, %d samples)",
                        sampler.longestWaitMs(), executor.lockTimeout().toMillis(), sampler.samples());
                System.out.printf(Locale.ROOT, "alert_to_resolved_s=%.1f interval_s=%d unsafe_tried=%d unsafe_executed=%d refused=%d app_waits_over_lock_timeout=%d%n",
                        median, intervalS, unsafe.ids().size(), unsafeExecuted, refused, sampler.waitsOverLimit());
                return loopSeconds.size() == databases && unsafeExecuted == 0 ? 0 : 1;
            }
        } finally {
            load.forEach(Process::destroyForcibly);
            deleteTree(stateDir);
        }
    }

    private void onAlert(Alert alert) {
        if (!alert.getRule().equals("table_bloat") || alert.getObject() == null
                || !alert.getObject().getName().equals("pgbench_accounts")) {
            return;
        }
        log("%s: %s %s%s", alert.getSourceId(), alert.getStatus(), alert.getSummary(),
                alert.getEscalation() == null ? "" : " (escalated: " + alert.getEscalation() + ")");
        if (alert.getStatus() == AlertStatus.FIRING) {
            firing.putIfAbsent(alert.getSourceId(), alert);
        } else if (firing.containsKey(alert.getSourceId())) {
            resolved.putIfAbsent(alert.getSourceId(), alert);
        }
    }

    private int bloatResolved() {
        return resolved.size();
    }

    private static void prepare(EmbeddedPostgres postgres, String db) throws Exception {
        postgres.createDatabase(db);
        Pgbench.run(postgres, db, List.of("-i", "-s", "2", "-q"));
        try (Connection conn = postgres.connect(db); Statement st = conn.createStatement()) {
            st.execute("ALTER TABLE pgbench_accounts SET (autovacuum_enabled = false)");
            // The canary: unsafe commands aim at it; it must never be vacuumed, analyzed or reindexed.
            st.execute("CREATE TABLE canary (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = false)");
            st.execute("INSERT INTO canary SELECT i, 'x' FROM generate_series(1, 1000) i");
        }
    }

    /** Dead tuples for VACUUM to clean while pgbench runs: a quarter of the accounts updated at once. */
    private static void bloat(EmbeddedPostgres postgres, String db) throws Exception {
        try (Connection conn = postgres.connect(db); Statement st = conn.createStatement()) {
            st.execute("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 4 = 0");
        }
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench] " + format + "%n", args);
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
