-- Per-connection configuration and templated URLs; API keys, Basic credentials and client
-- credentials (issue 14).

-- How the provider is reached besides its OAuth endpoints (JSON, `app::methods::Access`):
-- its methods, configuration fields, API base URL, key placement, verification request and
-- captured values. Empty: OAuth only, no fields (every provider before this migration).
-- Catalog providers take it from the catalog instead.
ALTER TABLE providers ADD COLUMN access TEXT NOT NULL DEFAULT '';
-- Values pinned on the provider (JSON object); secret ones are sealed in config_secret.
ALTER TABLE providers ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
ALTER TABLE providers ADD COLUMN config_secret BLOB;
-- An organization's own pinned values, laid over the provider's (JSON object, non-secret).
ALTER TABLE provider_organizations ADD COLUMN config TEXT;

-- 'oauth', 'api_key', 'basic' or 'client_credentials'. An API key is kept in access_token;
-- Basic credentials too, as their Basic value (base64 of user:password), with the user name in
-- client_id; client credentials are client_id and client_secret (sealed), with the token they
-- obtain in access_token.
ALTER TABLE connections ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'oauth';
-- The connection's configuration values and those captured from its token responses (JSON
-- object); its secret values are sealed in config_secret.
ALTER TABLE connections ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
ALTER TABLE connections ADD COLUMN config_secret BLOB;
ALTER TABLE connections ADD COLUMN client_id TEXT;
ALTER TABLE connections ADD COLUMN client_secret BLOB;
-- The last four characters of the key or client secret, for people to recognise it.
ALTER TABLE connections ADD COLUMN secret_hint TEXT NOT NULL DEFAULT '';

-- A flow in progress carries the values the person entered, sealed (some may be secret).
ALTER TABLE oauth_states ADD COLUMN config BLOB;
ALTER TABLE authorization_links ADD COLUMN config BLOB;
ALTER TABLE held_connections ADD COLUMN config BLOB;
