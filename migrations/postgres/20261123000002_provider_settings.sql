-- Every field of a provider's configuration (shared/reference/oauth-config.md), catalog
-- providers, and the operator's shared OAuth apps. Mirrored by name in ../sqlite.

ALTER TABLE providers ADD COLUMN icon_url TEXT NOT NULL DEFAULT '';
-- '' means refreshes go to token_url.
ALTER TABLE providers ADD COLUMN refresh_token_url TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN scope_parameter TEXT NOT NULL DEFAULT 'scope';
ALTER TABLE providers ADD COLUMN scopes_required BIGINT NOT NULL DEFAULT 0;
ALTER TABLE providers ADD COLUMN client_secret_required BIGINT NOT NULL DEFAULT 1;
ALTER TABLE providers ADD COLUMN authenticate_via TEXT NOT NULL DEFAULT 'request_body';
ALTER TABLE providers ADD COLUMN token_body_content_type TEXT NOT NULL DEFAULT 'application/x-www-form-urlencoded';
-- JSON arrays of [name, value] pairs, in order.
ALTER TABLE providers ADD COLUMN authorization_parameters TEXT NOT NULL DEFAULT '[]';
ALTER TABLE providers ADD COLUMN token_request_headers TEXT NOT NULL DEFAULT '[]';
-- JSON object {access_token, refresh_token, expires_in, scope} of dot paths; '' = standard.
ALTER TABLE providers ADD COLUMN token_response_paths TEXT NOT NULL DEFAULT '{}';
-- The last four characters of the client secret, for redacted display in the API.
ALTER TABLE providers ADD COLUMN client_secret_hint TEXT NOT NULL DEFAULT '';
-- The catalog entry a provider was enabled from; NULL for custom providers.
ALTER TABLE providers ADD COLUMN catalog_slug TEXT;
-- 'custom' (the admin's OAuth app) or 'shared' (the operator's, see shared_credentials).
ALTER TABLE providers ADD COLUMN credentials_type TEXT NOT NULL DEFAULT 'custom';
ALTER TABLE providers ADD COLUMN enabled BIGINT NOT NULL DEFAULT 1;

CREATE TABLE shared_credentials (
    catalog_slug  TEXT PRIMARY KEY,
    app_name      TEXT NOT NULL DEFAULT '',
    client_id     TEXT NOT NULL,
    client_secret BYTEA,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Links from POST /data-integrations/{slug}/authorize: opened once by the user's browser, which
-- then starts an ordinary, browser-bound authorization.
CREATE TABLE authorization_links (
    link_hash       TEXT PRIMARY KEY,
    provider_id     TEXT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    organization_id TEXT NOT NULL DEFAULT '',
    return_to       TEXT NOT NULL DEFAULT '',
    expires_at      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE INDEX authorization_links_expiry ON authorization_links (expires_at);
