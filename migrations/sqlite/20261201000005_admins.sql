-- Admin accounts, their sessions and invitations, and sign-in throttling. Mirrored by name in
-- ../postgres.

CREATE TABLE admins (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    -- Argon2id in the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE admin_sessions (
    -- SHA-256 of the session cookie's value: the database never holds a usable session.
    token_hash   TEXT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    admin_id     TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    -- Sent back by the dashboard with every state-changing request (X-CSRF-Token or a
    -- csrf_token form field). Useless without the session cookie.
    csrf_token   TEXT NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);

CREATE TABLE admin_invites (
    -- SHA-256 of the token in the invitation link.
    token_hash TEXT PRIMARY KEY,
    -- Empty for the first-start setup link: the new admin types it.
    email      TEXT NOT NULL DEFAULT '',
    invited_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE login_throttle (
    -- Lower-cased email address tried.
    email        TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    updated_at   BIGINT NOT NULL
);
