-- The token lifecycle: refresh coordination across processes, backoff after provider failures,
-- the event outbox and webhook deliveries. Mirrored by name in ../sqlite.

-- A refresh lease: the process named in refresh_lease_owner refreshes this connection until
-- refresh_lease_until; everyone else waits for its result. An expired lease may be taken over.
ALTER TABLE connections ADD COLUMN refresh_lease_owner TEXT;
ALTER TABLE connections ADD COLUMN refresh_lease_until BIGINT;
-- Consecutive failed refreshes (provider unwell) and when the next attempt may run.
ALTER TABLE connections ADD COLUMN refresh_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN retry_refresh_at BIGINT;

CREATE INDEX connections_expiry ON connections (expires_at);

-- The outbox: written in the same transaction as the state change that caused each event.
CREATE TABLE events (
    id              TEXT PRIMARY KEY,
    event           TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE INDEX events_created ON events (created_at);

CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY,
    endpoint_url TEXT NOT NULL,
    -- Space-separated event names.
    events       TEXT NOT NULL,
    enabled      BIGINT NOT NULL DEFAULT 1,
    -- Sealed signing secret: shown once, needed to sign every delivery.
    secret       BYTEA NOT NULL,
    last_failure_at BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- 'pending', 'delivered' or 'failed'.
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    last_status_code BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
