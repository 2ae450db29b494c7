-- The widget's look per environment (issue 17): accent, radius, font and colour scheme, as the
-- JSON of server/src/widget_theme.rs's Theme, checked before it is stored. Copied into each
-- widget token when it is minted; a token's own values win field by field.
CREATE TABLE widget_themes (
    environment_id TEXT PRIMARY KEY REFERENCES environments (id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
