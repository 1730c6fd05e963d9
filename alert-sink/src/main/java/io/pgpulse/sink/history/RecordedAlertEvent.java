package io.pgpulse.sink.history;

import java.time.Instant;

/** One row of {@code pgpulse.alert_events}, as {@link HistoryStore#alertEvents} returns it. */
public record RecordedAlertEvent(String fingerprint, String status, Instant eventAt, String rule, String severity,
                                 String sourceId, String objectSchema, String objectName, Double value,
                                 double threshold, Instant startsAt, Instant endsAt, String summary) {
}
