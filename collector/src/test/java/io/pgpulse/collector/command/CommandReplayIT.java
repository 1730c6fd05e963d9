package io.pgpulse.collector.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.collector.CollectorAgent;
import io.pgpulse.collector.target.TargetConfig;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.embedded.EmbeddedRuntime;
import io.pgpulse.schemas.TopicProvisioner;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.RemediationSwitch;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Commands over a real broker to a real agent: a command replayed after the agent
 * restarted is refused (the ledger is the results topic), and the fleet-wide kill
 * switch stops execution until it is resumed.
 */
class CommandReplayIT {

    private static final Topics TOPICS = Topics.defaults();
    private static final SigningKeys KEYS = SigningKeys.parse(SigningKeys.generate("replay-it"));

    private static EmbeddedRuntime runtime;
    private static EmbeddedPostgres postgres;
    private static long tableOid;

    @BeforeAll
    static void start() throws Exception {
        runtime = EmbeddedRuntime.start();
        postgres = EmbeddedPostgres.start(18);
        postgres.createDatabase("app");
        try (Connection conn = postgres.connect("app"); Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE events (id int, payload text)");
            st.execute("INSERT INTO events SELECT i, 'x' FROM generate_series(1, 1000) i");
            try (ResultSet rs = st.executeQuery("SELECT 'public.events'::regclass::oid::bigint")) {
                rs.next();
                tableOid = rs.getLong(1);
            }
        }
        TopicProvisioner.ensure(runtime.bootstrapServers(), TOPICS, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    private CollectorAgent agent(List<CommandResult> results) {
        TargetConfig target = new TargetConfig("pg-it", postgres.jdbcUrl("app"), postgres.user(), null,
                Duration.ofSeconds(30), Map.of());
        CollectorAgent agent = new CollectorAgent(runtime.bootstrapServers(), runtime.registryUrl(), TOPICS, List.of(target),
                "replay-it", ExecutorPolicy.defaults(KEYS), new CollectorAgent.Listener(s -> { }, results::add));
        agent.start();
        return agent;
    }

    private static MaintenanceCommand vacuum() {
        Instant now = Instant.now();
        return CommandSignature.sign(MaintenanceCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString())
                .setSourceId("pg-it/app")
                .setAction(MaintenanceAction.VACUUM_ANALYZE)
                .setTarget(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public").setName("events")
                        .setOid(tableOid).build())
                .setReason("replay test")
                .setIssuedAt(now)
                .setExpiresAt(now.plus(Duration.ofMinutes(10)))
                .build(), KEYS);
    }

    private static void send(MaintenanceCommand command) throws Exception {
        AvroSerdes serdes = new AvroSerdes(runtime.registryUrl());
        try (KafkaProducer<String, MaintenanceCommand> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers()),
                new StringSerializer(), serdes.serializer(MaintenanceCommand.class))) {
            producer.send(new ProducerRecord<>(TOPICS.commands(), command.getSourceId(), command)).get();
        }
    }

    private static long vacuumCount() throws Exception {
        try (Connection conn = postgres.connect("app"); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'events'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static CommandResult awaitResult(List<CommandResult> results, String commandId) {
        return await().atMost(Duration.ofSeconds(60)).until(
                () -> results.stream().filter(r -> r.getCommandId().equals(commandId)).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
    }

    @Test
    void replayAfterAgentRestartIsRefusedAndTheKillSwitchStopsExecution() throws Exception {
        MaintenanceCommand command = vacuum();
        List<CommandResult> results = new CopyOnWriteArrayList<>();
        try (CollectorAgent first = agent(results)) {
            send(command);
            assertThat(awaitResult(results, command.getCommandId()).getOutcome()).isEqualTo(CommandOutcome.DONE);
        }
        assertThat(vacuumCount()).isEqualTo(1);

        // A new agent process: its memory is empty, the results topic is not.
        List<CommandResult> afterRestart = new CopyOnWriteArrayList<>();
        try (CollectorAgent second = agent(afterRestart)) {
            send(command); // the same signed bytes, replayed
            CommandResult replay = awaitResult(afterRestart, command.getCommandId());
            assertThat(replay.getOutcome()).isEqualTo(CommandOutcome.SKIPPED);
            assertThat(replay.getReason()).startsWith("replay");

            RemediationSwitch.set(runtime.bootstrapServers(), TOPICS, true, "replay-it", "testing the kill switch");
            MaintenanceCommand whilePaused = vacuum();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                // The agent follows the switch within a poll; send until a command meets it paused.
                MaintenanceCommand probe = vacuum();
                send(probe);
                assertThat(awaitResult(afterRestart, probe.getCommandId()).getReason()).contains("paused fleet-wide");
            });
            send(whilePaused);
            assertThat(awaitResult(afterRestart, whilePaused.getCommandId()).getReason()).contains("paused fleet-wide");

            RemediationSwitch.set(runtime.bootstrapServers(), TOPICS, false, "replay-it", "done testing");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                MaintenanceCommand probe = vacuum();
                send(probe);
                assertThat(awaitResult(afterRestart, probe.getCommandId()).getOutcome()).isEqualTo(CommandOutcome.DONE);
            });
        }
        // Exactly the commands reported DONE ran: none of the refused ones did.
        long done = afterRestart.stream().filter(r -> r.getOutcome() == CommandOutcome.DONE).count();
        assertThat(done).isGreaterThanOrEqualTo(1);
        assertThat(vacuumCount()).isEqualTo(1 + done);
    }
}
