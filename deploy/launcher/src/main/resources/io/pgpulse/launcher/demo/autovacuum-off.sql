/* pgpulse demo */
-- Keep autovacuum away from security_events so the bloat waits for pgpulse.
ALTER TABLE security_events SET (autovacuum_enabled = false);
