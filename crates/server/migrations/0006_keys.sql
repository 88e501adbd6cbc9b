-- Keys with one purpose each. A merchant's "secrets" records are its ticket
-- keys (the affiliate signs tickets, the hub verifies them). The keys here
-- are the hub's: per affiliate for the calls it signs and the validators it
-- mints (`hub_calls`), per receiving merchant for the webhooks it signs
-- (`webhooks`). Each is made by the hub, shown to the merchant once, staged
-- until the merchant activates it (after configuring it), then the most
-- recently activated one signs; older active ones stay until retired.
CREATE TABLE hub_keys (
    merchant_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Unix milliseconds, so that the latest activation orders first.
    activated_ms BIGINT,
    retired_at BIGINT,
    PRIMARY KEY (merchant_id, key_id)
);
CREATE INDEX hub_keys_signing ON hub_keys (merchant_id, purpose, status, activated_ms);
