-- Environments: sandbox and production, each with its own providers (and so connections),
-- API keys, webhook endpoints and events. Existing rows belong to sandbox. Mirrored by name in
-- ../sqlite. Provider slugs become unique per environment.

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

ALTER TABLE providers ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_sandbox' REFERENCES environments (id);
ALTER TABLE providers DROP CONSTRAINT providers_slug_key;
ALTER TABLE providers ADD CONSTRAINT providers_environment_slug UNIQUE (environment_id, slug);

ALTER TABLE api_keys ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_sandbox';
ALTER TABLE webhook_endpoints ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_sandbox';
ALTER TABLE events ADD COLUMN environment_id TEXT NOT NULL DEFAULT 'env_sandbox';
CREATE INDEX events_environment ON events (environment_id, created_at);
