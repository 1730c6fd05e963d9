package io.pgpulse.schemas.command;

import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.avro.ObjectRef;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies maintenance commands with HMAC-SHA256. The signature covers the
 * command's canonical bytes: every field that decides what runs where and when
 * (id, source, action, target schema/name/OID/kind, alert, issue and expiry time,
 * dry-run flag, key id, and the retention cut-off and batch sizes when set), each length-prefixed, in a fixed order that does not depend
 * on the Avro schema version. The reason text is covered too, so a log of what was
 * asked and why cannot be rewritten.
 */
public final class CommandSignature {

    private static final String ALGORITHM = "HmacSHA256";
    private static final String CANONICAL_VERSION = "pgpulse-command-v1";

    private CommandSignature() {
    }

    /** The command with key id and signature set by the active key. */
    public static MaintenanceCommand sign(MaintenanceCommand command, SigningKeys keys) {
        MaintenanceCommand withKey = MaintenanceCommand.newBuilder(command)
                .setKeyId(keys.activeKeyId())
                .setSignature(null)
                .build();
        byte[] mac = hmac(keys.activeSecret(), canonicalBytes(withKey));
        withKey.setSignature(ByteBuffer.wrap(mac));
        return withKey;
    }

    /** Empty when the signature is valid under one of {@code keys}; otherwise why not. */
    public static Optional<String> problem(MaintenanceCommand command, SigningKeys keys) {
        if (command.getKeyId() == null || command.getSignature() == null) {
            return Optional.of("unsigned: no key id or signature");
        }
        Optional<byte[]> secret = keys.secret(command.getKeyId());
        if (secret.isEmpty()) {
            return Optional.of("signed with unknown key '" + command.getKeyId() + "'");
        }
        ByteBuffer signature = command.getSignature().duplicate();
        byte[] given = new byte[signature.remaining()];
        signature.get(given);
        byte[] expected = hmac(secret.get(), canonicalBytes(command));
        // Constant-time comparison: no timing hints about how much of a forgery matched.
        return MessageDigest.isEqual(given, expected) ? Optional.empty()
                : Optional.of("signature does not match (forged or altered)");
    }

    static byte[] canonicalBytes(MaintenanceCommand c) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            text(out, CANONICAL_VERSION);
            text(out, c.getCommandId());
            text(out, c.getSourceId());
            text(out, c.getAction().name());
            ObjectRef t = c.getTarget();
            text(out, t.getKind().name());
            text(out, t.getSchemaName());
            text(out, t.getName());
            out.writeLong(t.getOid());
            text(out, c.getReason());
            text(out, c.getAlertFingerprint());
            out.writeLong(c.getIssuedAt().toEpochMilli());
            out.writeLong(c.getExpiresAt().toEpochMilli());
            out.writeBoolean(c.getDryRun());
            text(out, c.getKeyId());
            // Appended only when present, so the bytes of commands without it are those of before.
            if (c.getRetention() != null) {
                text(out, "retention");
                text(out, c.getRetention().getTimestampColumn());
                out.writeLong(c.getRetention().getOlderThanMs());
                out.writeInt(c.getRetention().getBatchRows());
                out.writeInt(c.getRetention().getMaxBatches());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes a string as a presence flag, length and UTF-8 bytes, so no two field sequences collide. */
    private static void text(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeByte(0);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeByte(1);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static byte[] hmac(byte[] secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }
}
