package io.pgpulse.schemas.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpulse.avro.MaintenanceAction;
import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.RetentionSpec;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CommandSignatureTest {

    private static final String OLD = SigningKeys.generate("k2025");
    private static final String NEW = SigningKeys.generate("k2026");

    private static MaintenanceCommand command() {
        return MaintenanceCommand.newBuilder()
                .setCommandId("6f1c7d1e-0000-4000-8000-000000000001")
                .setSourceId("pg-01/app")
                .setAction(MaintenanceAction.VACUUM_ANALYZE)
                .setTarget(ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public")
                        .setName("security_events").setOid(16448).build())
                .setReason("bloat")
                .setIssuedAt(Instant.parse("2026-11-25T12:00:00Z"))
                .setExpiresAt(Instant.parse("2026-11-25T12:15:00Z"))
                .build();
    }

    @Test
    void signedCommandVerifies() {
        SigningKeys keys = SigningKeys.parse(NEW);
        MaintenanceCommand signed = CommandSignature.sign(command(), keys);
        assertThat(signed.getKeyId()).isEqualTo("k2026");
        assertThat(signed.getSignature().remaining()).isEqualTo(32);
        assertThat(CommandSignature.problem(signed, keys)).isEmpty();
    }

    @Test
    void everyDecisiveFieldIsCovered() {
        SigningKeys keys = SigningKeys.parse(NEW);
        MaintenanceCommand signed = CommandSignature.sign(command(), keys);
        ObjectRef target = signed.getTarget();
        MaintenanceCommand[] altered = {
                MaintenanceCommand.newBuilder(signed).setSourceId("pg-02/app").build(),
                MaintenanceCommand.newBuilder(signed).setAction(MaintenanceAction.REINDEX_INDEX_CONCURRENTLY).build(),
                MaintenanceCommand.newBuilder(signed).setTarget(ObjectRef.newBuilder(target).setName("users").build()).build(),
                MaintenanceCommand.newBuilder(signed).setTarget(ObjectRef.newBuilder(target).setSchemaName("audit").build()).build(),
                MaintenanceCommand.newBuilder(signed).setTarget(ObjectRef.newBuilder(target).setOid(1).build()).build(),
                MaintenanceCommand.newBuilder(signed).setExpiresAt(Instant.parse("2027-01-01T00:00:00Z")).build(),
                MaintenanceCommand.newBuilder(signed).setCommandId("another-id").build(),
                MaintenanceCommand.newBuilder(signed).setDryRun(true).build(),
        };
        for (MaintenanceCommand forged : altered) {
            assertThat(CommandSignature.problem(forged, keys)).contains("signature does not match (forged or altered)");
        }
    }

    @Test
    void retentionCutOffAndBatchSizesAreCovered() {
        SigningKeys keys = SigningKeys.parse(NEW);
        RetentionSpec spec = RetentionSpec.newBuilder().setTimestampColumn("created_at")
                .setOlderThanMs(90L * 24 * 3600 * 1000).setBatchRows(5000).setMaxBatches(100).build();
        MaintenanceCommand signed = CommandSignature.sign(MaintenanceCommand.newBuilder(command())
                .setAction(MaintenanceAction.RETENTION_DELETE).setRetention(spec).build(), keys);
        assertThat(CommandSignature.problem(signed, keys)).isEmpty();
        MaintenanceCommand[] altered = {
                MaintenanceCommand.newBuilder(signed).setRetention(RetentionSpec.newBuilder(spec).setOlderThanMs(1).build()).build(),
                MaintenanceCommand.newBuilder(signed).setRetention(RetentionSpec.newBuilder(spec).setTimestampColumn("id").build()).build(),
                MaintenanceCommand.newBuilder(signed).setRetention(RetentionSpec.newBuilder(spec).setBatchRows(1_000_000).build()).build(),
                MaintenanceCommand.newBuilder(signed).setRetention(RetentionSpec.newBuilder(spec).setMaxBatches(1_000_000).build()).build(),
                MaintenanceCommand.newBuilder(signed).setRetention(null).build(),
        };
        for (MaintenanceCommand forged : altered) {
            assertThat(CommandSignature.problem(forged, keys)).contains("signature does not match (forged or altered)");
        }
    }

    @Test
    void unsignedAndUnknownKeyAreRefused() {
        SigningKeys keys = SigningKeys.parse(NEW);
        assertThat(CommandSignature.problem(command(), keys)).contains("unsigned: no key id or signature");
        MaintenanceCommand byOther = CommandSignature.sign(command(), SigningKeys.parse(SigningKeys.generate("rogue")));
        assertThat(CommandSignature.problem(byOther, keys)).contains("signed with unknown key 'rogue'");
        MaintenanceCommand garbage = MaintenanceCommand.newBuilder(command()).setKeyId("k2026")
                .setSignature(ByteBuffer.wrap(new byte[32])).build();
        assertThat(CommandSignature.problem(garbage, keys)).isPresent();
    }

    @Test
    void rotationByAppendingAKey() {
        MaintenanceCommand signedWithOld = CommandSignature.sign(command(), SigningKeys.parse(OLD));
        SigningKeys rotated = SigningKeys.parse(OLD + "," + NEW);
        assertThat(rotated.activeKeyId()).isEqualTo("k2026");
        assertThat(CommandSignature.problem(signedWithOld, rotated)).isEmpty();
        assertThat(CommandSignature.problem(CommandSignature.sign(command(), rotated), rotated)).isEmpty();
    }

    @Test
    void badKeySpecsAreRefusedNamingTheEntry() {
        assertThatThrownBy(() -> SigningKeys.parse("")).hasMessageContaining("no signing keys");
        assertThatThrownBy(() -> SigningKeys.parse("nokey")).hasMessageContaining("signing key 1: expected id:base64secret");
        assertThatThrownBy(() -> SigningKeys.parse("k1:short")).hasMessageContaining("signing key k1: secret is not valid base64");
        assertThatThrownBy(() -> SigningKeys.parse("k1:c2hvcnQ=")).hasMessageContaining("signing key k1: secret has 5 bytes, at least 32");
        assertThatThrownBy(() -> SigningKeys.parse(NEW + "," + NEW)).hasMessageContaining("signing key k2026: listed twice");
        assertThat(SigningKeys.parse(NEW).toString()).doesNotContain(NEW.substring(6));
    }
}
