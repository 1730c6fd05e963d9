/* pgpulse */
INSERT INTO pgpulse.commands
    (command_id, source_id, action, object_kind, object_schema, object_name, object_oid, reason, alert_fingerprint,
     issued_at, expires_at, dry_run, key_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (command_id) DO NOTHING
