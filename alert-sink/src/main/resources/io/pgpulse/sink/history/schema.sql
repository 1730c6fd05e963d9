/* pgpulse */
-- The alert sink's history: every alert event, and the maintenance commands and their
-- results. Created if missing on every start; safe to run again and from several sink
-- instances at once (the advisory lock serialises them).
SELECT pg_advisory_xact_lock(hashtext('pgpulse.history.schema'));

CREATE SCHEMA IF NOT EXISTS pgpulse;

-- One row per FIRING or RESOLVED event. The key makes a redelivered event a no-op.
CREATE TABLE IF NOT EXISTS pgpulse.alert_events (
    fingerprint   text             NOT NULL,
    status        text             NOT NULL CHECK (status IN ('FIRING', 'RESOLVED')),
    event_at      timestamptz      NOT NULL,
    rule          text             NOT NULL,
    severity      text             NOT NULL,
    source_id     text             NOT NULL,
    object_kind   text,
    object_schema text,
    object_name   text,
    object_oid    bigint,
    value         double precision,
    threshold     double precision NOT NULL,
    starts_at     timestamptz      NOT NULL,
    ends_at       timestamptz,
    summary       text             NOT NULL,
    runbook       text,
    labels        jsonb            NOT NULL DEFAULT '{}',
    annotations   jsonb            NOT NULL DEFAULT '{}',
    recorded_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (fingerprint, status, event_at)
);
-- Added with the escalation of failed remediation (Alert.escalation); null on other events.
ALTER TABLE pgpulse.alert_events ADD COLUMN IF NOT EXISTS escalation text;
-- "What happened on this database between then and then": by source and time.
CREATE INDEX IF NOT EXISTS alert_events_source_time ON pgpulse.alert_events (source_id, event_at);
-- Retention deletes by time alone.
CREATE INDEX IF NOT EXISTS alert_events_time ON pgpulse.alert_events (event_at);

-- One row per maintenance command requested (pgpulse.commands.v1).
CREATE TABLE IF NOT EXISTS pgpulse.commands (
    command_id        text        PRIMARY KEY,
    source_id         text        NOT NULL,
    action            text        NOT NULL,
    object_kind       text        NOT NULL,
    object_schema     text,
    object_name       text        NOT NULL,
    object_oid        bigint      NOT NULL,
    reason            text        NOT NULL,
    alert_fingerprint text,
    issued_at         timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    dry_run           boolean     NOT NULL,
    key_id            text,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS commands_source_time ON pgpulse.commands (source_id, issued_at);
CREATE INDEX IF NOT EXISTS commands_time ON pgpulse.commands (issued_at);

-- One row per outcome reported by an agent (pgpulse.command-results.v1); a command
-- deferred and later run has several.
CREATE TABLE IF NOT EXISTS pgpulse.command_results (
    command_id    text        NOT NULL,
    outcome       text        NOT NULL,
    finished_at   timestamptz NOT NULL,
    source_id     text        NOT NULL,
    action        text        NOT NULL,
    object_schema text,
    object_name   text        NOT NULL,
    object_oid    bigint      NOT NULL,
    reason        text,
    started_at    timestamptz NOT NULL,
    statement     text,
    before_state  jsonb,
    after_state   jsonb,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (command_id, outcome, finished_at)
);
CREATE INDEX IF NOT EXISTS command_results_source_time ON pgpulse.command_results (source_id, finished_at);
CREATE INDEX IF NOT EXISTS command_results_time ON pgpulse.command_results (finished_at);
