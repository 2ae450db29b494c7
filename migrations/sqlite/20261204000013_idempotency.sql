-- Idempotency-Key (issue 16): the first answer to a POST made with a key, replayed to retries
-- of it for 24 hours. One row per (API key, Idempotency-Key); the id is their SHA-256, so
-- neither is stored as sent. A row without a status is a request still running.
CREATE TABLE idempotency_keys (
    id TEXT PRIMARY KEY,
    -- SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint TEXT NOT NULL,
    status BIGINT,
    content_type TEXT,
    -- The answer's body, sealed (it may carry a token or a secret), AAD (idempotency_keys, id, body).
    body BLOB,
    created_at BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
