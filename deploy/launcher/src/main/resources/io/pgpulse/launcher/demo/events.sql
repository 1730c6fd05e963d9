/* pgpulse demo */
-- A day of security events, then a triage pass that marks half of them reviewed.
-- Every updated row leaves a dead tuple behind; with autovacuum off for this table
-- they stay until someone vacuums it.
INSERT INTO security_events (user_id, event_type, severity, source_ip, details, created_at)
SELECT 1 + i % 200,
       (ARRAY['login_failed', 'port_scan', 'malware_detected', 'privilege_escalation'])[1 + i % 4],
       (ARRAY['low', 'medium', 'high', 'critical'])[1 + i % 4],
       ('10.0.' || (i % 250) || '.' || (i % 200))::inet,
       'event ' || i,
       now() - (i || ' seconds')::interval
  FROM generate_series(1, 20000) AS i;

INSERT INTO audit_logs (user_id, action, object)
SELECT 1 + i % 200, 'view', 'security_event:' || i FROM generate_series(1, 2000) AS i;
