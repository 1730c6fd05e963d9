package io.pgpulse.sink.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.avro.Alert;

/** The JSON body pgpulse posts for an alert event: flat, self-explanatory field names, ISO-8601 times. */
public final class AlertJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertJson() {
    }

    public static ObjectNode of(Alert alert) {
        ObjectNode body = JSON.createObjectNode();
        body.put("status", alert.getStatus().name().toLowerCase(java.util.Locale.ROOT));
        body.put("alertname", alert.getRule());
        body.put("severity", alert.getSeverity().name().toLowerCase(java.util.Locale.ROOT));
        body.put("source", alert.getSourceId());
        if (alert.getObject() != null) {
            ObjectNode object = body.putObject("object");
            object.put("kind", alert.getObject().getKind().name().toLowerCase(java.util.Locale.ROOT));
            object.put("schema", alert.getObject().getSchemaName());
            object.put("name", alert.getObject().getName());
            object.put("oid", alert.getObject().getOid());
        }
        if (alert.getValue() != null) {
            body.put("value", alert.getValue());
        } else {
            body.putNull("value");
        }
        body.put("threshold", alert.getThreshold());
        body.put("summary", alert.getSummary());
        body.put("runbook", alert.getRunbook());
        body.put("startsAt", alert.getStartsAt().toString());
        body.put("endsAt", alert.getEndsAt() == null ? null : alert.getEndsAt().toString());
        body.put("fingerprint", alert.getFingerprint());
        body.put("escalation", alert.getEscalation());
        ObjectNode labels = body.putObject("labels");
        alert.getLabels().forEach(labels::put);
        ObjectNode annotations = body.putObject("annotations");
        alert.getAnnotations().forEach(annotations::put);
        return body;
    }
}
