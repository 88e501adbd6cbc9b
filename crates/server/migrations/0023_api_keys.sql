-- A merchant's API keys, for machines: several at once, each with a label,
-- made and revoked by the merchant's admins (the console) or another of
-- its keys. Only each key's SHA-256 is kept. The key the operator's
-- registration made is the first; `merchants.api_key_sha256` stays as it
-- was written, and no longer opens anything.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_by_merchant ON api_keys (merchant_id);
INSERT INTO api_keys (id, merchant_id, key_sha256, label, created_by, created_at)
    SELECT 'key_' || id, id, api_key_sha256, 'registration', 'operator', created_at FROM merchants;
