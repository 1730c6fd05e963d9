/* pgpulse */
INSERT INTO pgpulse.command_results
    (command_id, outcome, finished_at, source_id, action, object_schema, object_name, object_oid, reason, started_at,
     statement, before_state, after_state)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)
ON CONFLICT (command_id, outcome, finished_at) DO NOTHING
