package io.pgpulse.processor.alert;

import io.pgpulse.avro.ObjectRef;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of an alert: a hash of (rule, source, object). The object counts by
 * kind, schema and name, not OID, so a table dropped and re-created under the same
 * name keeps its alert.
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    public static String of(String rule, String sourceId, ObjectRef object) {
        StringBuilder identity = new StringBuilder(rule).append('\u0000').append(sourceId);
        if (object != null) {
            identity.append('\u0000').append(object.getKind())
                    .append('\u0000').append(object.getSchemaName() == null ? "" : object.getSchemaName())
                    .append('\u0000').append(object.getName());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
