package io.pgpulse.sink.history;

import static io.pgpulse.sink.testing.TestAlerts.firing;
import static io.pgpulse.sink.testing.TestAlerts.resolved;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.ObjectState;
import io.pgpulse.avro.Severity;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.sink.routing.Notifications;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The history store on a real PostgreSQL, fed from a real broker. */
class HistoryStoreIT {

    private static final String DATABASE = "pgpulse_history";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.start(18);
        postgres.createDatabase(DATABASE);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static HistoryStore store(Duration retention) {
        return new HistoryStore(postgres.jdbcUrl(DATABASE), postgres.user(), null, retention);
    }

    private static long count(String table) throws SQLException {
        try (Connection conn = postgres.connect(DATABASE); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pgpulse." + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void everyAlertEventFromTheTopicIsRecordedOnceAndQueryableBySourceAndTime() throws Exception {
        Instant t0 = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MILLIS);
        Alert bloat = firing("table_bloat", Severity.WARNING, "pg-01/app", "security_events", t0);
        Alert bloatResolved = resolved(bloat, t0.plus(Duration.ofMinutes(10)));
        Alert other = firing("cache_hit_ratio_low", Severity.WARNING, "pg-02/app", null, t0.plusSeconds(5));
        Topics topics = new Topics("history-it");
        try (EmbeddedRuntime runtime = EmbeddedRuntime.start()) {
            TopicProvisioner.ensure(runtime.bootstrapServers(), topics, 1);
            try (Notifications ignored = Notifications.start(new Notifications.Settings(runtime.bootstrapServers(),
                    runtime.registryUrl(), topics, "history-it-sink", Optional.empty(),
                    Optional.of(store(Duration.ofDays(30))), Optional.empty()), Clock.systemUTC());
                 KafkaProducer<String, Alert> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()),
                         new StringSerializer(), new AvroSerdes(runtime.registryUrl()).serializer(Alert.class))) {
                // The FIRING event twice, as a redelivery would bring it.
                for (Alert alert : List.of(bloat, other, bloat, bloatResolved)) {
                    producer.send(new ProducerRecord<>(topics.alerts(), alert.getFingerprint(), alert)).get();
                }
                // The command that alert asked for and its result, on their own topics.
                MaintenanceCommand command = command("c-from-topic", t0.plusSeconds(1));
                publish(runtime, topics.commands(), command.getSourceId(), command, MaintenanceCommand.class);
                CommandResult result = CommandResult.newBuilder()
                        .setCommandId(command.getCommandId()).setSourceId(command.getSourceId())
                        .setAlertFingerprint(bloat.getFingerprint()).setAction(command.getAction())
                        .setTarget(command.getTarget()).setOutcome(CommandOutcome.DONE)
                        .setStartedAt(t0.plusSeconds(2)).setFinishedAt(t0.plusSeconds(3)).build();
                publish(runtime, topics.commandResults(), result.getCommandId(), result, CommandResult.class);
                await().atMost(WAIT).ignoreExceptions().until(() -> count("alert_events") == 3
                        && count("commands") >= 1 && count("command_results") >= 1);
            }
        }
        assertThat(count("alert_events")).as("the redelivered event is recorded once").isEqualTo(3);
        try (Connection conn = postgres.connect(DATABASE); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT c.alert_fingerprint, r.outcome FROM pgpulse.commands c"
                     + " JOIN pgpulse.command_results r USING (command_id) WHERE command_id = 'c-from-topic'")) {
            assertThat(rs.next()).as("command c-from-topic and its result recorded").isTrue();
            assertThat(rs.getString(1)).isEqualTo("fp");
            assertThat(rs.getString(2)).isEqualTo("DONE");
        }

        try (HistoryStore store = store(Duration.ofDays(30))) {
            List<RecordedAlertEvent> events = store.alertEvents("pg-01/app", t0.minusSeconds(1), Instant.now());
            assertThat(events).extracting(RecordedAlertEvent::status).containsExactly("FIRING", "RESOLVED");
            RecordedAlertEvent first = events.get(0);
            assertThat(first.rule()).isEqualTo("table_bloat");
            assertThat(first.severity()).isEqualTo("WARNING");
            assertThat(first.objectSchema()).isEqualTo("public");
            assertThat(first.objectName()).isEqualTo("security_events");
            assertThat(first.eventAt()).isEqualTo(t0);
            assertThat(first.value()).isEqualTo(0.5);
            assertThat(first.endsAt()).isNull();
            assertThat(events.get(1).endsAt()).isEqualTo(t0.plus(Duration.ofMinutes(10)));
            // The time range is half-open and by event time.
            assertThat(store.alertEvents("pg-01/app", t0.plusSeconds(1), Instant.now()))
                    .extracting(RecordedAlertEvent::status).containsExactly("RESOLVED");
            assertThat(store.alertEvents("pg-02/app", t0, t0.plusSeconds(5))).isEmpty();
            assertThat(store.alertEvents("pg-02/app", t0, t0.plusSeconds(6))).hasSize(1);
        }
    }

    @Test
    void retentionDeletesOnlyWhatIsOlderThanIt() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (HistoryStore store = store(Duration.ofDays(7))) {
            store.ensureSchema();
            Alert old = firing("index_bloat", Severity.WARNING, "pg-retention/app", "old_table", now.minus(Duration.ofDays(8)));
            Alert recent = firing("index_bloat", Severity.WARNING, "pg-retention/app", "new_table", now.minus(Duration.ofDays(6)));
            store.recordAlerts(List.of(old, recent));
            MaintenanceCommand oldCommand = command("c-old", now.minus(Duration.ofDays(8)));
            store.recordCommand(oldCommand);
            store.recordCommand(command("c-new", now.minus(Duration.ofDays(1))));

            int deleted = store.purge(now);

            assertThat(deleted).isEqualTo(2);
            assertThat(store.alertEvents("pg-retention/app", now.minus(Duration.ofDays(30)), now))
                    .extracting(RecordedAlertEvent::objectName).containsExactly("new_table");
        }
    }

    @Test
    void commandsAndResultsAreRecordedOnceEach() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (HistoryStore store = store(Duration.ofDays(7))) {
            store.ensureSchema();
            store.ensureSchema();
            MaintenanceCommand command = command("c-twice", now);
            store.recordCommand(command);
            store.recordCommand(command);
            CommandResult result = CommandResult.newBuilder()
                    .setCommandId("c-twice").setSourceId("pg-01/app").setAction(MaintenanceAction.VACUUM_ANALYZE)
                    .setTarget(command.getTarget()).setOutcome(CommandOutcome.DONE).setReason(null)
                    .setStartedAt(now).setFinishedAt(now.plusMillis(58))
                    .setStatement("VACUUM (ANALYZE) \"public\".\"security_events\"")
                    .setBefore(ObjectState.newBuilder().setNLiveTup(10_000L).setNDeadTup(10_000L).setSizeBytes(6_400_000)
                            .setLastVacuum(null).setLastAnalyze(null).build())
                    .setAfter(ObjectState.newBuilder().setNLiveTup(10_000L).setNDeadTup(0L).setSizeBytes(6_400_000)
                            .setLastVacuum(now).setLastAnalyze(now).build())
                    .build();
            store.recordResult(result);
            store.recordResult(result);
        }
        try (Connection conn = postgres.connect(DATABASE); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT c.action, r.outcome, (r.before_state->>'n_dead_tup')::bigint,"
                     + " (r.after_state->>'n_dead_tup')::bigint, (SELECT count(*) FROM pgpulse.command_results x"
                     + "  WHERE x.command_id = c.command_id)"
                     + " FROM pgpulse.commands c JOIN pgpulse.command_results r USING (command_id)"
                     + " WHERE c.command_id = 'c-twice'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("VACUUM_ANALYZE");
            assertThat(rs.getString(2)).isEqualTo("DONE");
            assertThat(rs.getLong(3)).isEqualTo(10_000);
            assertThat(rs.getLong(4)).isZero();
            assertThat(rs.getLong(5)).isEqualTo(1);
            assertThat(rs.next()).as("one command row").isFalse();
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> void publish(EmbeddedRuntime runtime, String topic,
            String key, T value, Class<T> type) throws Exception {
        try (KafkaProducer<String, T> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()),
                new StringSerializer(), new AvroSerdes(runtime.registryUrl()).serializer(type))) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static MaintenanceCommand command(String id, Instant issuedAt) {
        return MaintenanceCommand.newBuilder()
                .setCommandId(id).setSourceId("pg-01/app").setAction(MaintenanceAction.VACUUM_ANALYZE)
                .setTarget(ObjectRef.newBuilder().setKind(io.pgpulse.avro.ObjectKind.TABLE).setSchemaName("public")
                        .setName("security_events").setOid(16448).build())
                .setReason("table_bloat").setAlertFingerprint("fp").setIssuedAt(issuedAt)
                .setExpiresAt(issuedAt.plus(Duration.ofMinutes(15))).setDryRun(false).build();
    }
}
