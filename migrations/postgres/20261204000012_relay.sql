-- The relay (issue 15): what Plumb remembers per connection about the calls it made for it.
-- One row per connection that was relayed through; deleted with the connection.
CREATE TABLE relay_usage (
    connection_id TEXT PRIMARY KEY,
    -- Until when (ms since the epoch) the provider asked not to be called again (Retry-After on
    -- a 429 or 503): every process answers calls before it at once instead of calling.
    retry_at BIGINT,
    -- The status that asked for the wait (429 or 503).
    retry_status BIGINT,
    -- Calls relayed, by the class of the provider's status.
    calls BIGINT NOT NULL DEFAULT 0,
    status_2xx BIGINT NOT NULL DEFAULT 0,
    status_3xx BIGINT NOT NULL DEFAULT 0,
    status_4xx BIGINT NOT NULL DEFAULT 0,
    status_5xx BIGINT NOT NULL DEFAULT 0,
    -- Calls Plumb answered without an answer from the provider: held back by a remembered
    -- rate limit, or the provider could not be reached in time.
    held_back BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    -- Body bytes sent to the provider and received from it.
    bytes_sent BIGINT NOT NULL DEFAULT 0,
    bytes_received BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    last_call_at BIGINT
);
