package io.pgpulse.sink.testing;

import io.pgpulse.avro.Alert;
import io.pgpulse.avro.AlertStatus;
import io.pgpulse.avro.ObjectKind;
import io.pgpulse.avro.ObjectRef;
import io.pgpulse.avro.Severity;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Alert events as the stream processor writes them, for tests. */
public final class TestAlerts {

    private TestAlerts() {
    }

    /** A FIRING event of {@code rule} about table {@code public.<table>} on {@code source}. */
    public static Alert firing(String rule, Severity severity, String source, String table, Instant startsAt) {
        Map<String, String> labels = new HashMap<>();
        labels.put("alertname", rule);
        labels.put("severity", severity.name().toLowerCase(Locale.ROOT));
        labels.put("source", source);
        labels.put("env", "test");
        ObjectRef object = null;
        if (table != null) {
            object = ObjectRef.newBuilder().setKind(ObjectKind.TABLE).setSchemaName("public").setName(table)
                    .setOid(16_000 + Math.abs(table.hashCode() % 1000)).build();
            labels.put("object", "public." + table);
        }
        return Alert.newBuilder()
                .setFingerprint(rule + "/" + source + "/" + (table == null ? "" : table))
                .setRule(rule)
                .setStatus(AlertStatus.FIRING)
                .setSeverity(severity)
                .setSourceId(source)
                .setObject(object)
                .setValue(0.5)
                .setThreshold(0.2)
                .setStartsAt(startsAt)
                .setEndsAt(null)
                .setEventAt(startsAt)
                .setSummary(rule + " on " + source + (table == null ? "" : " public." + table))
                .setRunbook("Look at " + rule + " <carefully> & soon")
                .setLabels(labels)
                .setAnnotations(Map.of("condition", "x > 0.2"))
                .build();
    }

    /** The RESOLVED event that ends {@code firing} at {@code endsAt}. */
    public static Alert resolved(Alert firing, Instant endsAt) {
        return Alert.newBuilder(firing)
                .setStatus(AlertStatus.RESOLVED)
                .setValue(0.01)
                .setEndsAt(endsAt)
                .setEventAt(endsAt)
                .build();
    }
}
