package io.pgpulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.Severity;
import io.pgpulse.avro.TableMetrics;
import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.collector.command.ExecutorPolicy;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.command.MaintenanceWindow;
import io.pgpulse.schemas.command.RemediationSwitch;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.sink.AlertSink;
import io.pgpulse.sink.remediation.RemediationPlanner;
import io.pgpulse.sink.remediation.RemediationPolicy;
import io.pgpulse.sink.remediation.RemediationView;
import io.pgpulse.sink.remediation.RetentionScheduler;
import io.pgpulse.sink.routing.Notifications;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sink's remediation policy against a real agent on a real PostgreSQL: a closed
 * maintenance window holds the command until it opens, dry-run records and runs
 * nothing, the kill switch stops new commands until resumed. Each outcome is checked
 * where a DBA would look: in PostgreSQL ({@code last_vacuum}, dead tuples) and through
 * the sink's {@code GET /commands}.
 */
class RemediationPolicyIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger RUN = new AtomicInteger();

    private static EmbeddedRuntime runtime;
    private static EmbeddedPostgres postgres;

    private final SigningKeys keys = SigningKeys.parse(SigningKeys.generate("policy-it"));
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final List<MaintenanceCommand> issued = new CopyOnWriteArrayList<>();
    /** The sink's idea of now: the real time plus whatever a test moves it by. */
    private final AtomicReference<Duration> clockOffset = new AtomicReference<>(Duration.ZERO);
    private Topics topics;
    private String table;
    private long oid;
    private RemediationPlanner planner;
    private RemediationSwitch sinkSwitch;
    private RemediationPolicy policy;
    private Clock sinkClock;
    private AlertSink sink;
    private Notifications notifications;
    private URI api;

    @BeforeAll
    static void startRuntime() throws Exception {
        runtime = EmbeddedRuntime.start();
        postgres = EmbeddedPostgres.start(18);
        postgres.createDatabase("app");
    }

    @AfterAll
    static void stopRuntime() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    /** A fresh bloated table and a fresh set of topics per test, so tests do not see each other's commands. */
    @BeforeEach
    void bloatedTable() throws Exception {
        int run = RUN.incrementAndGet();
        topics = new Topics("policy-it-" + run);
        TopicProvisioner.ensure(runtime.bootstrapServers(), topics, 1);
        table = "events_" + run;
        try (Connection conn = postgres.connect("app"); Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE public." + table + " (id int, note text) WITH (autovacuum_enabled = false)");
            st.execute("INSERT INTO public." + table + " SELECT i, 'x' FROM generate_series(1, 5000) i");
            st.execute("UPDATE public." + table + " SET note = 'y'");
            try (ResultSet rs = st.executeQuery("SELECT 'public." + table + "'::regclass::oid::bigint")) {
                rs.next();
                oid = rs.getLong(1);
            }
        }
    }

    @AfterEach
    void stopServices() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("RemediationPolicyIT: error while stopping: " + e);
            }
        }
    }

    private void startServices(RemediationPolicy policy) throws Exception {
        String bootstrap = runtime.bootstrapServers();
        String registry = runtime.registryUrl();
        TargetConfig target = new TargetConfig("pg-policy", postgres.jdbcUrl("app"), postgres.user(), null,
                Duration.ofSeconds(5), Map.of("env", "prod"));
        CollectorAgent agent = new CollectorAgent(bootstrap, registry, topics, List.of(target), "policy-it",
                ExecutorPolicy.defaults(keys).withAllowedActions(EnumSet.allOf(MaintenanceAction.class)),
                CollectorAgent.Listener.quiet());
        started.push(agent);
        agent.start();

        Clock shifted = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.now().plus(clockOffset.get());
            }
        };
        sinkSwitch = RemediationSwitch.follow(bootstrap, topics, Duration.ofSeconds(30));
        started.push(sinkSwitch);
        Notifications notifications = Notifications.start(new Notifications.Settings(bootstrap, registry, topics,
                topics.prefix() + "-sink", Optional.empty(), Optional.empty(),
                Optional.of(new InetSocketAddress("127.0.0.1", 0))), Clock.systemUTC());
        started.push(notifications);
        this.notifications = notifications;
        api = notifications.apiUrl().orElseThrow();
        this.policy = policy;
        this.sinkClock = shifted;
        startSink();
        notifications.showRemediation(() -> RemediationView.json(planner, sinkSwitch));
    }

    /** The remediation side of the sink alone, as a restart brings it back: a new planner, the same group. */
    private void startSink() {
        planner = new RemediationPlanner(policy, keys, sinkSwitch::paused, sinkClock);
        sink = new AlertSink(runtime.bootstrapServers(), runtime.registryUrl(), topics, topics.prefix() + "-sink",
                Optional.of(planner), Optional.of(new RetentionScheduler(policy, keys, sinkSwitch::paused, sinkClock)),
                new AlertSink.Listener(a -> { }, issued::add));
        started.push(sink);
        sink.start();
    }

    private static RemediationPolicy policy(List<MaintenanceWindow> windows, boolean dryRun) {
        return new RemediationPolicy(List.of(new RemediationPolicy.Entry("table_bloat",
                MaintenanceAction.VACUUM_ANALYZE, Map.of("env", "prod"), List.of())),
                windows, Duration.ofMinutes(10), Duration.ofMinutes(15), dryRun);
    }

    private void fire() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Alert alert = Alert.newBuilder()
                .setFingerprint("fp-" + topics.prefix()).setRule("table_bloat").setStatus(AlertStatus.FIRING)
                .setSeverity(Severity.WARNING).setSourceId("pg-policy/app")
                .setObject(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public").setName(table)
                        .setOid(oid).build())
                .setValue(1.0).setThreshold(0.2).setStartsAt(now).setEventAt(now)
                .setSummary("public." + table + " on pg-policy/app has 1.000 dead tuples per live tuple")
                .setLabels(Map.of("alertname", "table_bloat", "severity", "warning", "source", "pg-policy/app",
                        "env", "prod"))
                .build();
        try (KafkaProducer<String, Alert> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()),
                new StringSerializer(), new AvroSerdes(runtime.registryUrl()).serializer(Alert.class))) {
            producer.send(new ProducerRecord<>(topics.alerts(), alert.getFingerprint(), alert)).get();
        }
    }

    private JsonNode commands() throws Exception {
        return get("/commands?source=pg-policy%2Fapp");
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(api.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private boolean vacuumed() throws Exception {
        try (Connection conn = postgres.connect("app"); PreparedStatement ps = conn.prepareStatement(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relid = ?::regclass")) {
            ps.setString(1, "public." + table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private long deadTuples() throws Exception {
        try (Connection conn = postgres.connect("app"); PreparedStatement ps = conn.prepareStatement(
                "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = ?::regclass")) {
            ps.setString(1, "public." + table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static boolean heldBecause(RemediationPlanner planner, String why) {
        return planner.heldReasons().values().stream().anyMatch(r -> r.startsWith(why));
    }

    @Test
    void closedWindowHoldsTheCommandUntilItOpensThenItRuns() throws Exception {
        // A daily window that opens three minutes from now; the sink's clock is moved into it later.
        LocalTime opens = LocalTime.now(ZoneOffset.UTC).plusMinutes(3).truncatedTo(ChronoUnit.MINUTES);
        MaintenanceWindow window = MaintenanceWindow.parse("mon-sun " + opens + "-" + opens.plusMinutes(30) + " UTC");
        startServices(policy(List.of(window), false));
        fire();

        await().atMost(WAIT).until(() -> heldBecause(planner, "outside the maintenance windows"));
        assertThat(issued).as("no command while the window is closed").isEmpty();
        JsonNode remediation = get("/remediation");
        assertThat(remediation.path("enabled").asBoolean()).isTrue();
        assertThat(remediation.path("killSwitch").path("paused").asBoolean()).isFalse();
        assertThat(remediation.path("held")).singleElement().satisfies(held -> {
            assertThat(held.path("object").asText()).isEqualTo("public." + table);
            assertThat(held.path("reason").asText()).startsWith("outside the maintenance windows");
        });
        assertThat(commands()).as("GET /commands while held").isEmpty();
        assertThat(vacuumed()).isFalse();

        clockOffset.set(Duration.ofMinutes(4)); // inside the window, and within the agents' 5 min clock tolerance
        await().atMost(WAIT).until(() -> commands().size() == 1 && commands().get(0).path("outcome").asText().equals("DONE"));
        JsonNode done = commands().get(0);
        assertThat(done.path("action").asText()).isEqualTo("VACUUM_ANALYZE");
        assertThat(done.path("target").path("name").asText()).isEqualTo(table);
        assertThat(done.path("target").path("oid").asLong()).isEqualTo(oid);
        assertThat(done.path("statement").asText()).isEqualTo("VACUUM (ANALYZE) \"public\".\"" + table + "\"");
        assertThat(done.path("before").path("nDeadTup").asLong()).isGreaterThanOrEqualTo(4_000);
        assertThat(done.path("after").path("nDeadTup").asLong()).isLessThan(1_000);
        assertThat(vacuumed()).as("last_vacuum of public.%s", table).isTrue();
        assertThat(planner.heldReasons()).isEmpty();
        assertThat(issued).hasSize(1);
    }

    @Test
    void heldRemediationSurvivesASinkRestartAndIsAskedForOnce() throws Exception {
        LocalTime opens = LocalTime.now(ZoneOffset.UTC).plusMinutes(3).truncatedTo(ChronoUnit.MINUTES);
        MaintenanceWindow window = MaintenanceWindow.parse("mon-sun " + opens + "-" + opens.plusMinutes(30) + " UTC");
        startServices(policy(List.of(window), false));
        fire();
        await().atMost(WAIT).until(() -> heldBecause(planner, "outside the maintenance windows"));

        // The sink stops while the alert waits for its window, and comes back with an empty memory.
        sink.close();
        startSink();
        await().atMost(WAIT).until(() -> heldBecause(planner, "outside the maintenance windows"));

        clockOffset.set(Duration.ofMinutes(4));
        await().atMost(WAIT).until(() -> commands().size() == 1 && commands().get(0).path("outcome").asText().equals("DONE"));
        assertThat(vacuumed()).isTrue();

        // Once more: the command is on the commands topic now, so a restarted sink does not ask again.
        sink.close();
        startSink();
        await().atMost(WAIT).until(() -> !planner.isHeld("fp-" + topics.prefix()) && issued.size() == 1
                && commands().get(0).path("results").size() == 1);
        assertThat(issued).as("one command for one incident, across two restarts").hasSize(1);
    }

    @Test
    void retentionCleanupRunsOnTheTableTheMetricsShowAndDeletesOnlyOldRows() throws Exception {
        try (Connection conn = postgres.connect("app"); Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE public." + table + "_audit (id int, created_at timestamptz)");
            st.execute("INSERT INTO public." + table + "_audit SELECT i, now() - interval '100 days' FROM generate_series(1, 1200) i");
            st.execute("INSERT INTO public." + table + "_audit SELECT i, now() FROM generate_series(1, 300) i");
        }
        long auditOid;
        try (Connection conn = postgres.connect("app"); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT 'public." + table + "_audit'::regclass::oid::bigint")) {
            rs.next();
            auditOid = rs.getLong(1);
        }
        RemediationPolicy.Retention cleanup = new RemediationPolicy.Retention("public", table + "_audit", "created_at",
                Duration.ofDays(90), 500, 10, Duration.ofDays(1), Map.of("env", "prod"));
        startServices(new RemediationPolicy(List.of(), List.of(), Duration.ofMinutes(10), Duration.ofMinutes(15), false,
                List.of(cleanup)));
        DerivedMetrics window = DerivedMetrics.newBuilder()
                .setSourceId("pg-policy/app").setWindowStart(Instant.now().minusSeconds(60)).setWindowEnd(Instant.now())
                .setSnapshots(6).setCoveredMs(60_000).setUp(true).setTags(Map.of("env", "prod"))
                .setTables(List.of(TableMetrics.newBuilder()
                        .setTable(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public")
                                .setName(table + "_audit").setOid(auditOid).build())
                        .setNLiveTup(1500).setNDeadTup(0).setNModSinceAnalyze(0).setModificationsPerS(0)
                        .setSeqScanPerS(0).setIdxScanPerS(0).build()))
                .build();
        try (KafkaProducer<String, DerivedMetrics> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()),
                new StringSerializer(), new AvroSerdes(runtime.registryUrl()).serializer(DerivedMetrics.class))) {
            // The sink reads metrics from the end on: publish windows until one reaches it, as the processor would.
            await().atMost(WAIT).until(() -> {
                producer.send(new ProducerRecord<>(topics.metrics(), window.getSourceId(), window)).get();
                return commands().size() == 1 && commands().get(0).path("outcome").asText().equals("DONE");
            });
        }
        JsonNode done = commands().get(0);
        assertThat(done.path("action").asText()).isEqualTo("RETENTION_DELETE");
        assertThat(done.path("target").path("oid").asLong()).isEqualTo(auditOid);
        assertThat(issued).as("one cleanup per source and day, however many windows").hasSize(1);
        try (Connection conn = postgres.connect("app"); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(*) FILTER (WHERE created_at < now() - interval '90 days')"
                     + " FROM public." + table + "_audit")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(300);
            assertThat(rs.getLong(2)).isZero();
        }
    }

    @Test
    void dryRunIsRecordedWithItsChecksAndRunsNothing() throws Exception {
        startServices(policy(List.of(), true));
        long deadBefore = deadTuples();
        fire();

        await().atMost(WAIT).until(() -> commands().size() == 1 && commands().get(0).path("outcome").asText().equals("SKIPPED"));
        JsonNode skipped = commands().get(0);
        assertThat(skipped.path("dryRun").asBoolean()).isTrue();
        assertThat(skipped.path("outcomeReason").asText()).startsWith("dry run: every check passed")
                .contains("was not executed");
        assertThat(vacuumed()).as("nothing ran").isFalse();
        assertThat(deadTuples()).isEqualTo(deadBefore);
    }

    @Test
    void killSwitchStopsNewCommandsFleetWideUntilResumed() throws Exception {
        startServices(policy(List.of(), false));
        RemediationSwitch.set(runtime.bootstrapServers(), topics, true, "policy-it", "incident 42");
        // The sink follows the switch from its topic, within about a second.
        await().atMost(WAIT).until(sinkSwitch::paused);
        fire();
        await().atMost(WAIT).until(() -> heldBecause(planner, "remediation is paused fleet-wide"));
        assertThat(issued).isEmpty();
        assertThat(commands()).isEmpty();
        assertThat(vacuumed()).isFalse();

        RemediationSwitch.set(runtime.bootstrapServers(), topics, false, "policy-it", "incident 42 over");
        await().atMost(WAIT).until(() -> commands().size() == 1 && commands().get(0).path("outcome").asText().equals("DONE"));
        assertThat(vacuumed()).isTrue();
    }
}
