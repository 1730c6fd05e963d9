package io.pgpulse.launcher.demo;

import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.embedded.EmbeddedKafka;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.launcher.PgpulseServices;
import io.pgpulse.launcher.config.PgpulseConfig;
import io.pgpulse.registry.SchemaRegistryServer;
import io.pgpulse.schemas.Topics;
import io.pgpulse.sink.AlertSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's whole loop on the embedded runtime: a Kafka broker, the schema
 * registry, a throwaway PostgreSQL with the guide's security-platform schema, a
 * local webhook receiver, and the three pgpulse services watching that database.
 * {@link #runWorkload()} bloats {@code security_events}; {@link #awaitLoop} waits
 * until the alert fired, the VACUUM ran and the alert resolved. The integration
 * test drives the same class. Closing stops everything it started, in reverse.
 */
public final class DemoScenario implements AutoCloseable {

    public static final String DATABASE = "secplatform";
    public static final String CLUSTER = "pg-demo";
    public static final String BLOATED_TABLE = "security_events";

    /**
     * @param postgresMajor which PostgreSQL to start
     * @param interval      collection interval
     * @param window        metric window size
     * @param grace         lateness tolerated in a window
     */
    public record Options(int postgresMajor, Duration interval, Duration window, Duration grace) {
        public static Options defaults() {
            return new Options(18, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(2));
        }
    }

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final DemoNarrator narrator;
    private final LoopProgress progress = new LoopProgress("table_bloat", "public", BLOATED_TABLE);
    private EmbeddedKafka kafka;
    private SchemaRegistryServer registry;
    private EmbeddedPostgres postgres;
    private WebhookReceiver webhook;
    private Path stateDir;
    private java.net.URI fleetApi;
    private boolean closed;

    private DemoScenario(DemoNarrator narrator) {
        this.narrator = narrator;
    }

    /** Starts the runtime, the demo database and the services; on failure stops what had started. */
    public static DemoScenario start(Options options, DemoNarrator narrator) throws IOException, SQLException {
        DemoScenario demo = new DemoScenario(narrator);
        try {
            demo.startAll(options);
            return demo;
        } catch (IOException | SQLException | RuntimeException e) {
            demo.close();
            throw e;
        }
    }

    private void startAll(Options options) throws IOException, SQLException {
        narrator.say("starting the embedded runtime: Kafka broker (KRaft), schema registry, PostgreSQL "
                + options.postgresMajor());
        kafka = remember(EmbeddedKafka.start());
        registry = remember(SchemaRegistryServer.start(kafka.bootstrapServers(), 0));
        postgres = remember(EmbeddedPostgres.start(options.postgresMajor()));
        webhook = remember(new WebhookReceiver());
        stateDir = Files.createTempDirectory("pgpulse-demo-state");
        started.push(() -> deleteTree(stateDir));

        postgres.createDatabase(DATABASE);
        try (Connection conn = postgres.connect(DATABASE)) {
            execute(conn, "schema.sql");
            execute(conn, "autovacuum-off.sql");
        }
        narrator.plain("");
        narrator.plain("  Kafka broker        " + kafka.bootstrapServers());
        narrator.plain("  Schema registry     " + registry.url() + "   (curl " + registry.url() + "/subjects)");
        narrator.plain("  PostgreSQL " + postgres.majorVersion() + "       " + postgres.jdbcUrl(DATABASE)
                + "   (user " + postgres.user() + ", no password)");
        narrator.plain("  Webhook receiver    " + webhook.url() + "   (alert events are posted here as JSON)");
        narrator.plain("  Topics              " + String.join(", ", Topics.defaults().all()));
        narrator.plain("");
        narrator.say("created database " + DATABASE + " with the guide's tables: users, security_events, "
                + "vulnerabilities, vulnerability_scans, api_keys, audit_logs (autovacuum off for security_events)");

        TargetConfig target = new TargetConfig(CLUSTER, postgres.jdbcUrl(DATABASE), postgres.user(), null,
                options.interval(), Map.of("env", "demo"));
        PgpulseConfig config = new PgpulseConfig(
                new PgpulseConfig.Kafka(kafka.bootstrapServers(), registry.url(), Topics.defaults()),
                List.of(target),
                new PgpulseConfig.Processor(options.window(), options.grace(), null, stateDir)
                        .withApiAddress(new InetSocketAddress("127.0.0.1", 0)),
                PgpulseConfig.Sink.webhookOnly(webhook.url(), new InetSocketAddress("127.0.0.1", 0)),
                remediation(SigningKeys.parse(SigningKeys.generate("demo-key"))));
        PgpulseServices services = PgpulseServices.start(config, kafka.bootstrapServers(), registry.url(), "demo",
                new PgpulseServices.Listeners(
                        new CollectorAgent.Listener(narrator::snapshot, result -> {
                            narrator.result(result);
                            progress.result(result);
                        }),
                        new AlertSink.Listener(alert -> {
                            narrator.alert(alert);
                            progress.alert(alert);
                        }, command -> {
                            narrator.command(command);
                            progress.command(command);
                        })));
        started.push(services);
        services.sinkApiUrl().ifPresent(url -> narrator.plain("  Alert sink API      " + url + "/commands   (curl "
                + url + "/commands, " + url + "/remediation, " + url + "/silences)"));
        services.fleetApiUrl().ifPresent(url -> {
            fleetApi = url;
            narrator.plain("  Fleet API           " + url + "/fleet   (curl " + url + "/fleet, " + url + "/sources/"
                    + CLUSTER + "/" + DATABASE + ", " + url + "/alerts)");
        });
        narrator.say("started the stream processor (" + options.window().toSeconds() + " s windows, "
                + options.grace().toSeconds() + " s grace), the alert sink (webhook + remediation) and the collector"
                + " (a snapshot every " + options.interval().toMillis() / 1000.0 + " s)");
    }

    /** Remediation on for real (no dry run), any time, with a key made for this run. */
    private static PgpulseConfig.Remediation remediation(SigningKeys keys) {
        return new PgpulseConfig.Remediation(true, false, null, keys,
                ExecutorPolicy.defaults(keys).withRetryDelay(Duration.ofSeconds(2)));
    }

    /** Writes a day of security events, then updates half of them: dead tuples pile up. */
    public void runWorkload() throws SQLException {
        try (Connection conn = postgres.connect(DATABASE)) {
            execute(conn, "events.sql");
            execute(conn, "triage.sql");
        }
        narrator.say("workload: inserted 20,000 security events and marked half of them reviewed;"
                + " 10,000 dead row versions now wait in public.security_events");
    }

    /** Waits until the loop closed or {@code timeout} passed; true when it closed. */
    public boolean awaitLoop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (CompletableFuture<?> stage : List.of(progress.firing, progress.command, progress.result, progress.resolved)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                stage.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
        return true;
    }

    public LoopProgress progress() {
        return progress;
    }

    public EmbeddedPostgres postgres() {
        return postgres;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public SchemaRegistryServer registry() {
        return registry;
    }

    /** Where the stream processor's fleet API answers while the demo runs. */
    public java.net.URI fleetApi() {
        return fleetApi;
    }

    public WebhookReceiver webhook() {
        return webhook;
    }

    private <T extends AutoCloseable> T remember(T resource) {
        started.push(resource);
        return resource;
    }

    private static void execute(Connection conn, String resource) throws SQLException {
        try (InputStream in = DemoScenario.class.getResourceAsStream(resource); Statement st = conn.createStatement()) {
            if (in == null) {
                throw new IllegalStateException("missing demo resource " + resource);
            }
            st.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("pgpulse demo: error while stopping: " + e);
            }
        }
    }
}
