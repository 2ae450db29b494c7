-- Environments: sandbox and production, each with its own providers (and so connections),
-- API keys, webhook endpoints and events. Existing rows belong to sandbox. Mirrored by name in
-- ../postgres.
--
-- Provider slugs become unique per environment. SQLite cannot drop a column's UNIQUE
-- constraint, so the table is rebuilt (https://sqlite.org/lang_altertable.html, "Making Other
-- Kinds Of Table Schema Changes"). Plumb runs SQLite migrations with foreign keys off (see
-- store.rs), so dropping the old table cascades to nothing, and checks them afterwards.

CREATE TABLE environments (
    id                TEXT PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    -- 1 for production: its API keys start with sk_live_.
    live              BIGINT NOT NULL DEFAULT 0,
    -- Space-separated origins an authorization link may return to.
    return_to_origins TEXT NOT NULL DEFAULT '',
    -- Space-separated origins allowed to frame the widget.
    frame_ancestors   TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL
);

INSERT INTO environments (id, slug, name, live, created_at) VALUES
    ('env_sandbox', 'sandbox', 'Sandbox', 0, 0),
    ('env_production', 'production', 'Production', 1, 0);

CREATE TABLE providers_new (
    id                       TEXT PRIMARY KEY,
    environment_id           TEXT NOT NULL DEFAULT 'env_sandbox' REFERENCES environments (id),
    slug                     TEXT NOT NULL,
    name                     TEXT NOT NULL,
    description              TEXT NOT NULL DEFAULT '',
    authorization_url        TEXT NOT NULL,
    token_url                TEXT NOT NULL,
    client_id                TEXT NOT NULL,
    client_secret            BLOB,
    scopes                   TEXT NOT NULL DEFAULT '',
    scope_separator          TEXT NOT NULL DEFAULT ' ',
    pkce_enabled             BIGINT NOT NULL DEFAULT 1,
    created_at               BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL,
    icon_url                 TEXT NOT NULL DEFAULT '',
    refresh_token_url        TEXT NOT NULL DEFAULT '',
    scope_parameter          TEXT NOT NULL DEFAULT 'scope',
    scopes_required          BIGINT NOT NULL DEFAULT 0,
    client_secret_required   BIGINT NOT NULL DEFAULT 1,
    authenticate_via         TEXT NOT NULL DEFAULT 'request_body',
    token_body_content_type  TEXT NOT NULL DEFAULT 'application/x-www-form-urlencoded',
    authorization_parameters TEXT NOT NULL DEFAULT '[]',
    token_request_headers    TEXT NOT NULL DEFAULT '[]',
    token_response_paths     TEXT NOT NULL DEFAULT '{}',
    client_secret_hint       TEXT NOT NULL DEFAULT '',
    catalog_slug             TEXT,
    credentials_type         TEXT NOT NULL DEFAULT 'custom',
    enabled                  BIGINT NOT NULL DEFAULT 1,
    UNIQUE (environment_id, slug)
);

INSERT INTO providers_new (id, slug, name, description, authorization_url, token_url, client_id, client_secret,
    scopes, scope_separator, pkce_enabled, created_at, updated_at, icon_url, refresh_token_url, scope_parameter,
    scopes_required, client_secret_required, authenticate_via, token_body_content_type, authorization_parameters,
    token_request_headers, token_response_paths, client_secret_hint, catalog_slug, credentials_type, enabled)
SELECT id, slug, name, description, authorization_url, token_url, client_id, client_secret,
    scopes, scope_separator, pkce_enabled, created_at, updated_at, icon_url, refresh_token_url, scope_parameter,
    scopes_required, client_secret_required, authenticate_via, token_body_content_type, authorization_parameters,
    token_request_headers, token_response_paths, client_secret_hint, catalog_slug, credentials_type, enabled
FROM providers;

DROP TABLE providers;
ALTER TABLE providers_new RENAME TO providers;

ALTER TABLE api_keys ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_sandbox';
ALTER TABLE webhook_endpoints ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_sandbox';
ALTER TABLE events ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_sandbox';
CREATE INDEX events_environment ON events (environment_id, created_at);
