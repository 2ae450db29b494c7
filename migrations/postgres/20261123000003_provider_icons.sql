-- Provider icons, fetched from the admin's URL or uploaded, checked, and served by Plumb itself
-- so the widget loads no third-party images. Kept apart from providers so the token path never
-- reads image bytes. Mirrored by name in ../sqlite.

CREATE TABLE provider_icons (
    provider_id  TEXT PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    -- 'url' (fetched from providers.icon_url) or 'upload'.
    source       TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
