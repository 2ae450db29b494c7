-- How many values each encryption key has sealed, added up from every process: random 96-bit
-- nonces allow about 2^32 seals per key before one may repeat (NIST SP 800-38D §8.3), and Plumb
-- warns well before that.
CREATE TABLE key_seals (
    key_id TEXT PRIMARY KEY,
    seals  BIGINT NOT NULL DEFAULT 0
);
