-- One schema for SQLite and PostgreSQL: TEXT and BIGINT only, times as unix
-- seconds, ids made by the hub. Registry records are validated JSON documents
-- keyed by (merchant, kind, id); what selection looks up has its own index.

CREATE TABLE merchants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    is_affiliate BIGINT NOT NULL,
    is_upseller BIGINT NOT NULL,
    corporate_group TEXT,
    origins TEXT NOT NULL,
    handoff_url TEXT,
    webhook_url TEXT,
    api_key_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE records (
    merchant_id TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, kind, id)
);

-- Which upseller items complement which purchased SKU, for offer assembly.
CREATE TABLE complements (
    upseller_id TEXT NOT NULL,
    purchased_sku TEXT NOT NULL,
    item_sku TEXT NOT NULL,
    PRIMARY KEY (upseller_id, purchased_sku, item_sku)
);

CREATE TABLE opportunities (
    id TEXT PRIMARY KEY,
    affiliate_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    ticket_nonce TEXT NOT NULL,
    customer_token TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    upseller_id TEXT NOT NULL,
    incentive TEXT,
    currency TEXT NOT NULL,
    item_skus TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (affiliate_id, order_id)
);
CREATE INDEX opportunities_by_customer ON opportunities (affiliate_id, customer_token, created_at);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL,
    affiliate_id TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX events_by_affiliate ON events (affiliate_id, reason_code, kind);

-- The web origins each merchant registered, for CORS and origin checks.
CREATE TABLE merchant_origins (
    merchant_id TEXT NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    PRIMARY KEY (merchant_id, origin)
);
CREATE INDEX merchant_origins_by_origin ON merchant_origins (origin);
