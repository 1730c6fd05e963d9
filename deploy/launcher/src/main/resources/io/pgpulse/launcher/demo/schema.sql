/* pgpulse demo */
-- The security platform from the tuning guide: users, the events they cause,
-- vulnerabilities found by scans, API keys, and an audit trail, with the indexes
-- the guide recommends for its hot queries.

-- The server preloads pg_stat_statements; the extension makes it readable here.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    email       text NOT NULL UNIQUE,
    name        text NOT NULL,
    role        text NOT NULL DEFAULT 'analyst',
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_login  timestamptz
);

CREATE TABLE security_events (
    id          bigserial PRIMARY KEY,
    user_id     bigint REFERENCES users (id),
    event_type  text NOT NULL,
    severity    text NOT NULL,
    source_ip   inet,
    details     text,
    resolved    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_security_events_user_id ON security_events (user_id);
CREATE INDEX idx_security_events_created_at ON security_events (created_at DESC);
CREATE INDEX idx_security_events_severity_unresolved ON security_events (severity, created_at) WHERE NOT resolved;

CREATE TABLE vulnerability_scans (
    id           bigserial PRIMARY KEY,
    target       text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running'
);
CREATE INDEX idx_vulnerability_scans_target_started ON vulnerability_scans (target, started_at DESC);

CREATE TABLE vulnerabilities (
    id          bigserial PRIMARY KEY,
    scan_id     bigint NOT NULL REFERENCES vulnerability_scans (id),
    cve_id      text,
    severity    text NOT NULL,
    status      text NOT NULL DEFAULT 'open',
    found_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_vulnerabilities_scan_id ON vulnerabilities (scan_id);
CREATE INDEX idx_vulnerabilities_severity_status ON vulnerabilities (severity, status);
CREATE INDEX idx_vulnerabilities_cve_id ON vulnerabilities (cve_id);

CREATE TABLE api_keys (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked     boolean NOT NULL DEFAULT false
);
CREATE INDEX idx_api_keys_user_id ON api_keys (user_id);

CREATE TABLE audit_logs (
    id          bigserial PRIMARY KEY,
    user_id     bigint REFERENCES users (id),
    action      text NOT NULL,
    object      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_logs_user_created ON audit_logs (user_id, created_at DESC);
CREATE INDEX idx_audit_logs_created_at ON audit_logs (created_at);

INSERT INTO users (email, name, role)
SELECT 'user' || i || '@example.com', 'User ' || i, CASE WHEN i % 10 = 0 THEN 'admin' ELSE 'analyst' END
  FROM generate_series(1, 200) AS i;

INSERT INTO vulnerability_scans (target, finished_at, status)
SELECT 'host-' || i, now(), 'done' FROM generate_series(1, 50) AS i;

INSERT INTO vulnerabilities (scan_id, cve_id, severity, status)
SELECT 1 + i % 50, 'CVE-2026-' || (10000 + i), (ARRAY['low', 'medium', 'high', 'critical'])[1 + i % 4], 'open'
  FROM generate_series(1, 2000) AS i;

INSERT INTO api_keys (user_id, key_hash)
SELECT 1 + i % 200, md5('key' || i) FROM generate_series(1, 300) AS i;
