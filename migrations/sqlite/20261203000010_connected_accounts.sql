-- Connected accounts as apps have them (issue 13): several connections per owner and provider,
-- organization-owned connections, labels and provider-side account identifiers, per-organization
-- provider settings, and grant revocation at the provider when a connection is deleted.

-- An organization-owned connection has user_id '' (the organization owns it; established_by
-- names the member who connected it). Each owner has at most one "compatibility" connection
-- per provider, the one callers that do not choose see; further ones are "standard". SQLite
-- cannot drop the old UNIQUE constraint, so the table is rebuilt.
CREATE TABLE connections_new (
    id                  TEXT PRIMARY KEY,
    provider_id         TEXT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    user_id             TEXT NOT NULL,
    organization_id     TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL,
    access_token        BLOB,
    refresh_token       BLOB,
    expires_at          BIGINT,
    scopes              TEXT NOT NULL DEFAULT '',
    last_refreshed_at   BIGINT,
    last_error          TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    refresh_lease_owner TEXT,
    refresh_lease_until BIGINT,
    refresh_failures    BIGINT NOT NULL DEFAULT 0,
    retry_refresh_at    BIGINT,
    -- 'compatibility' or 'standard'.
    connection_role     TEXT NOT NULL DEFAULT 'compatibility',
    -- account_display_name: a label, not unique, never a key.
    label               TEXT,
    -- The provider-side account id, from the token response or the id_token, or as imported.
    account_identifier  TEXT,
    -- The user whose authorization established it.
    established_by      TEXT
);

INSERT INTO connections_new (id, provider_id, user_id, organization_id, state, access_token, refresh_token,
    expires_at, scopes, last_refreshed_at, last_error, created_at, updated_at, refresh_lease_owner,
    refresh_lease_until, refresh_failures, retry_refresh_at, connection_role, established_by)
SELECT id, provider_id, user_id, organization_id, state, access_token, refresh_token,
    expires_at, scopes, last_refreshed_at, last_error, created_at, updated_at, refresh_lease_owner,
    refresh_lease_until, refresh_failures, retry_refresh_at, 'compatibility', user_id
FROM connections;

DROP TABLE connections;
ALTER TABLE connections_new RENAME TO connections;

CREATE UNIQUE INDEX connections_compatibility ON connections (provider_id, user_id, organization_id)
    WHERE connection_role = 'compatibility';
CREATE INDEX connections_owner ON connections (user_id, organization_id);
CREATE INDEX connections_provider_owner ON connections (provider_id, user_id, organization_id, created_at);
CREATE INDEX connections_expiry ON connections (expires_at);
CREATE INDEX connections_account ON connections (account_identifier);

-- 'user' or 'organization': who owns the provider's connections.
ALTER TABLE providers ADD COLUMN ownership TEXT NOT NULL DEFAULT 'user';
-- Whether an owner may hold several connections to it.
ALTER TABLE providers ADD COLUMN multiple_connections BIGINT NOT NULL DEFAULT 0;
-- RFC 7009 revocation endpoint; empty: the provider has none (or none is known).
ALTER TABLE providers ADD COLUMN revocation_url TEXT NOT NULL DEFAULT '';

-- An organization's own settings for a provider; NULL columns fall back to the provider's.
CREATE TABLE provider_organizations (
    provider_id        TEXT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    organization_id    TEXT NOT NULL,
    enabled            BIGINT,
    scopes             TEXT,
    client_id          TEXT,
    -- Sealed like the provider's own secret, bound to this row.
    client_secret      BLOB,
    client_secret_hint TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (provider_id, organization_id)
);

-- What became of revoking a deleted connection's grant at its provider.
CREATE TABLE revocations (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    provider_id     TEXT NOT NULL,
    connection_id   TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    -- 'revoked' or 'failed'.
    status          TEXT NOT NULL,
    error           TEXT,
    created_at      BIGINT NOT NULL
);

CREATE INDEX revocations_created ON revocations (environment_id, created_at);

-- Pending flows remember what they were started for.
ALTER TABLE oauth_states ADD COLUMN intent TEXT;
ALTER TABLE authorization_links ADD COLUMN intent TEXT;
ALTER TABLE held_connections ADD COLUMN intent TEXT;

-- The name a delivery carries: the one its endpoint subscribed to (SDK 11's or SDK 12's).
ALTER TABLE webhook_deliveries ADD COLUMN event_name TEXT;

-- Events are stored under SDK 12's names; endpoints subscribed to SDK 11's still receive those.
UPDATE events SET event = 'pipes.account_connection.' || substr(event, length('pipes.connected_account.') + 1)
WHERE event LIKE 'pipes.connected_account.%';
