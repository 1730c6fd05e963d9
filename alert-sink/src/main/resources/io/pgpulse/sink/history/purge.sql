/* pgpulse */
-- Retention: everything recorded about events older than the cutoff (bound three times).
DELETE FROM pgpulse.alert_events WHERE event_at < ?;
DELETE FROM pgpulse.command_results WHERE finished_at < ?;
DELETE FROM pgpulse.commands WHERE issued_at < ?;
