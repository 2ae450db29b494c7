-- Widget flows no longer store a live widget token in return_to (it sat in the table, and in
-- SQLite's write-ahead log after the row was deleted): they keep the id of the API key that
-- minted it, and the callback mints a fresh token for the same user and environment.
ALTER TABLE oauth_states ADD COLUMN widget_key_id TEXT;

-- Session binding (docs/workos-api.md §4.6-4.7): an authorization link made with the app's PKCE
-- challenge holds the resulting tokens until the app's backend proves, with the verifier, that
-- the browser which came back is its own user's.
ALTER TABLE authorization_links ADD COLUMN code_challenge TEXT;
ALTER TABLE authorization_links ADD COLUMN app_state TEXT;
ALTER TABLE oauth_states ADD COLUMN code_challenge TEXT;
ALTER TABLE oauth_states ADD COLUMN app_state TEXT;

-- Pending flows are capped per owner and provider.
CREATE INDEX oauth_states_owner ON oauth_states (provider_id, user_id, organization_id, created_at);

CREATE TABLE held_connections (
    -- SHA-256 of the connect_code given to the app's return_to: single use.
    code_hash        TEXT PRIMARY KEY,
    provider_id      TEXT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL,
    organization_id  TEXT NOT NULL DEFAULT '',
    -- base64url(SHA-256(code_verifier)), as the app sent it.
    code_challenge   TEXT NOT NULL,
    -- Sealed like a connection's tokens (AES-256-GCM, bound to this row).
    access_token     BLOB NOT NULL,
    refresh_token    BLOB,
    token_expires_at BIGINT,
    scopes           TEXT NOT NULL DEFAULT '',
    -- 90 seconds after the redirect to return_to.
    expires_at       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);

CREATE INDEX held_connections_expiry ON held_connections (expires_at);
