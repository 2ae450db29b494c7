-- The official WorkOS widgets (`@workos-inc/widgets`) call Plumb's /_widgets/… API from the
-- application's own pages: the origins each environment lets do so (CORS), space-separated like
-- return_to_origins and frame_ancestors.
ALTER TABLE environments ADD COLUMN widget_origins TEXT NOT NULL DEFAULT '';

-- Their connect hand-off: an authorization link the widget's popup opens carries the SHA-256 of
-- the widget's redirect and hand-off tokens, and only the page that receives both from the
-- widget (by postMessage) can start it. NULL for links an application's backend made.
ALTER TABLE authorization_links ADD COLUMN handoff TEXT;
