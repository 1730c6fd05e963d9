package io.pgpulse.sink.routing;

import io.pgpulse.avro.Alert;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The labels routing, inhibition and silences match on: the alert's own labels
 * (its source's tags among them), with {@code alertname}, {@code severity} and
 * {@code source} always present and taken from the alert's fields.
 */
public final class AlertLabels {

    private AlertLabels() {
    }

    public static Map<String, String> of(Alert alert) {
        Map<String, String> labels = new HashMap<>(alert.getLabels());
        labels.put("alertname", alert.getRule());
        labels.put("severity", alert.getSeverity().name().toLowerCase(Locale.ROOT));
        labels.put("source", alert.getSourceId());
        return labels;
    }
}
