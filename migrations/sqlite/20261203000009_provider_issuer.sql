-- RFC 9207: the issuer a provider's authorization responses name in `iss`, and whether its
-- metadata says it always sends one (`authorization_response_iss_parameter_supported`). Set by
-- discovery in the dashboard, or through the API; empty for providers configured by hand.
ALTER TABLE providers ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE providers ADD COLUMN issuer_sends_iss BIGINT NOT NULL DEFAULT 0;
