/* pgpulse */
INSERT INTO pgpulse.alert_events
    (fingerprint, status, event_at, rule, severity, source_id, object_kind, object_schema, object_name, object_oid,
     value, threshold, starts_at, ends_at, summary, runbook, labels, annotations, escalation)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)
ON CONFLICT (fingerprint, status, event_at) DO NOTHING
