/* pgpulse */
-- Alert events of one source in [from, to), oldest first.
SELECT fingerprint, status, event_at, rule, severity, source_id, object_schema, object_name, value, threshold,
       starts_at, ends_at, summary
FROM pgpulse.alert_events
WHERE source_id = ? AND event_at >= ? AND event_at < ?
ORDER BY event_at, fingerprint, status
