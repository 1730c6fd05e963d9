package io.pgpulse.bench.remediation;

import io.pgpulse.avro.CommandOutcome;
import io.pgpulse.avro.CommandResult;
import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.embedded.EmbeddedPostgres;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.command.CommandSignature;
import io.pgpulse.schemas.command.SigningKeys;
import io.pgpulse.schemas.serde.AvroSerdes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One command of every unsafe kind, aimed at the canary table of app1: unsigned,
 * signed with a foreign key, altered after signing, expired, naming a stale OID,
 * asking an index action of a table, and a replay of a command already taken.
 */
final class UnsafeCommands {

    private static final String SOURCE = "bench/app1";

    /** command id → the kind of unsafety, and the reason the refusal must give. */
    private final Map<String, String[]> byId;
    private final long canaryIndexOid;

    private UnsafeCommands(Map<String, String[]> byId, long canaryIndexOid) {
        this.byId = byId;
        this.canaryIndexOid = canaryIndexOid;
    }

    static UnsafeCommands send(EmbeddedPostgres postgres, String bootstrap, String registryUrl, SigningKeys keys) throws Exception {
        long canary = oid(postgres, "public.canary");
        long canaryIndex = oid(postgres, "public.canary_pkey");
        SigningKeys rogue = SigningKeys.parse(SigningKeys.generate("rogue"));
        Map<String, String[]> byId = new LinkedHashMap<>();
        MaintenanceCommand dryRun = CommandSignature.sign(base(MaintenanceAction.ANALYZE, ObjectKind.TABLE, "canary", canary)
                .setDryRun(true).build(), keys);
        MaintenanceCommand signedAnalyze = CommandSignature.sign(base(MaintenanceAction.ANALYZE, ObjectKind.TABLE, "canary", canary).build(), keys);
        List<MaintenanceCommand> commands = List.of(
                track(byId, base(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, "canary", canary).build(), "unsigned", "unsigned"),
                track(byId, CommandSignature.sign(base(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, "canary", canary).build(), rogue),
                        "forged (foreign key)", "unknown key"),
                track(byId, MaintenanceCommand.newBuilder(signedAnalyze).setAction(MaintenanceAction.VACUUM_ANALYZE).build(),
                        "altered after signing", "signature does not match"),
                track(byId, CommandSignature.sign(base(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, "canary", canary)
                        .setIssuedAt(Instant.now().minusSeconds(7200)).setExpiresAt(Instant.now().minusSeconds(3600)).build(), keys),
                        "expired", "expired"),
                track(byId, CommandSignature.sign(base(MaintenanceAction.VACUUM_ANALYZE, ObjectKind.TABLE, "canary", canary + 100_000).build(), keys),
                        "stale OID", "has OID"),
                track(byId, CommandSignature.sign(base(MaintenanceAction.REINDEX_INDEX_CONCURRENTLY, ObjectKind.TABLE, "canary", canary).build(), keys),
                        "index action on a table", "applies to a INDEX"),
                dryRun,
                track(byId, dryRun, "replay", "replay"));
        AvroSerdes serdes = new AvroSerdes(registryUrl);
        try (KafkaProducer<String, MaintenanceCommand> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), serdes.serializer(MaintenanceCommand.class))) {
            for (MaintenanceCommand command : commands) {
                producer.send(new ProducerRecord<>(Topics.defaults().commands(), SOURCE, command)).get();
            }
        }
        return new UnsafeCommands(byId, canaryIndex);
    }

    private static MaintenanceCommand track(Map<String, String[]> byId, MaintenanceCommand command, String kind, String reason) {
        byId.put(command.getCommandId() + (kind.equals("replay") ? "#replay" : ""), new String[] {kind, reason});
        return command;
    }

    private static MaintenanceCommand.Builder base(MaintenanceAction action, ObjectKind kind, String name, long oid) {
        Instant now = Instant.now();
        return MaintenanceCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString()).setSourceId(SOURCE).setAction(action)
                .setTarget(ObjectRef.newBuilder().setKind(kind).setSchemaName("public").setName(name).setOid(oid).build())
                .setReason("unsafe on purpose").setIssuedAt(now).setExpiresAt(now.plus(Duration.ofMinutes(10)));
    }

    Collection<String> ids() {
        return byId.keySet();
    }

    /** Every unsafe command got its refusal. */
    boolean allAnswered(Collection<CommandResult> results) {
        return refused(results) + executed(results) >= byId.size();
    }

    int refused(Collection<CommandResult> results) {
        int refused = 0;
        for (Map.Entry<String, String[]> entry : byId.entrySet()) {
            String id = entry.getKey().replace("#replay", "");
            String reason = entry.getValue()[1];
            if (results.stream().anyMatch(r -> r.getCommandId().equals(id) && r.getOutcome() == CommandOutcome.SKIPPED
                    && r.getReason() != null && r.getReason().contains(reason))) {
                refused++;
            }
        }
        return refused;
    }

    int executed(Collection<CommandResult> results) {
        return (int) results.stream()
                .filter(r -> byId.containsKey(r.getCommandId()) && r.getOutcome() == CommandOutcome.DONE).count();
    }

    /** 1 when the canary was vacuumed, analyzed or its index rebuilt, 0 when untouched. */
    int touchedCanaries(EmbeddedPostgres postgres) throws Exception {
        try (Connection conn = postgres.connect("app1"); PreparedStatement ps = conn.prepareStatement(
                "SELECT vacuum_count + autovacuum_count + analyze_count + autoanalyze_count FROM pg_stat_user_tables WHERE relid = to_regclass(?)")) {
            ps.setString(1, "public.canary");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean maintained = rs.getLong(1) > 0;
                return maintained || oid(postgres, "public.canary_pkey") != canaryIndexOid ? 1 : 0;
            }
        }
    }

    String describe(Collection<CommandResult> results) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String[]> entry : byId.entrySet()) {
            String id = entry.getKey().replace("#replay", "");
            String reason = entry.getValue()[1];
            String answer = results.stream()
                    .filter(r -> r.getCommandId().equals(id) && r.getReason() != null && r.getReason().contains(reason))
                    .map(r -> r.getOutcome() + " (" + r.getReason() + ")").findFirst().orElse("no answer");
            text.append("\n  ").append(entry.getValue()[0]).append(": ").append(answer);
        }
        return text.toString();
    }

    private static long oid(EmbeddedPostgres postgres, String qualified) throws Exception {
        try (Connection conn = postgres.connect("app1");
             PreparedStatement ps = conn.prepareStatement("SELECT to_regclass(?)::oid::bigint")) {
            ps.setString(1, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
