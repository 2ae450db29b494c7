-- Plumb's first schema (PostgreSQL). Mirrored by name in ../sqlite; a test checks that the two
-- trees name the same migrations. Times are Unix milliseconds; secrets are AES-256-GCM sealed
-- blobs (see server/src/crypto.rs), never plaintext.

CREATE TABLE providers (
    id                TEXT PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    authorization_url TEXT NOT NULL,
    token_url         TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    client_secret     BYTEA,
    scopes            TEXT NOT NULL DEFAULT '', -- space-separated: RFC 6749 scope tokens cannot contain spaces
    scope_separator   TEXT NOT NULL DEFAULT ' ',
    pkce_enabled      BIGINT NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE connections (
    id                TEXT PRIMARY KEY,
    provider_id       TEXT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL,
    -- '' when the connection belongs to no organization, so the unique key below holds.
    organization_id   TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL,
    access_token      BYTEA,
    refresh_token     BYTEA,
    expires_at        BIGINT,
    scopes            TEXT NOT NULL DEFAULT '', -- space-separated: RFC 6749 scope tokens cannot contain spaces
    last_refreshed_at BIGINT,
    last_error        TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (provider_id, user_id, organization_id)
);

CREATE INDEX connections_owner ON connections (user_id, organization_id);

CREATE TABLE oauth_states (
    -- SHA-256 of the state parameter: the database never holds a usable state value.
    state_hash      TEXT PRIMARY KEY,
    provider_id     TEXT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    -- SHA-256 of the browser-binding cookie set when the flow started.
    browser_binding TEXT NOT NULL,
    pkce_verifier   BYTEA,
    return_to       TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    -- SHA-256 of the whole key; the key itself is shown once and never stored.
    key_hash     TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
