-- The money path. One accept per opportunity (its idempotency key and the
-- hash of its body), the order it made, the consent receipt written before
-- any money moves, the loyalty ledger, and the webhook outbox.

CREATE TABLE accepts (
    opportunity_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    order_id TEXT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL UNIQUE,
    affiliate_id TEXT NOT NULL,
    upseller_id TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    customer_token TEXT NOT NULL,
    mode TEXT NOT NULL,
    items TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    points BIGINT NOT NULL,
    payment_reference TEXT,
    status TEXT NOT NULL,
    charge_id TEXT,
    failure TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orders_by_status ON orders (status, updated_at);
CREATE INDEX orders_by_affiliate ON orders (affiliate_id, created_at);
CREATE INDEX orders_by_upseller ON orders (upseller_id, created_at);

CREATE TABLE consent_receipts (
    order_id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL,
    disclosure_sha256 TEXT NOT NULL,
    disclosure_text TEXT NOT NULL,
    items TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    action TEXT NOT NULL,
    user_agent TEXT,
    at BIGINT NOT NULL
);

CREATE TABLE points_ledger (
    id TEXT PRIMARY KEY,
    affiliate_id TEXT NOT NULL,
    customer_token TEXT NOT NULL,
    order_id TEXT NOT NULL UNIQUE,
    points BIGINT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    upseller_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_due ON webhooks (status, next_attempt_at);

-- The sandbox gateway's own records, as a processor keeps them: card
-- references (never the number: only brand-free last four and the test
-- behaviour), and charges by idempotency key.
CREATE TABLE sandbox_methods (
    reference TEXT PRIMARY KEY,
    opportunity_id TEXT,
    last4 TEXT NOT NULL,
    behaviour TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sandbox_charges (
    idempotency_key TEXT PRIMARY KEY,
    charge_id TEXT NOT NULL UNIQUE,
    reference TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    outcome TEXT NOT NULL,
    refunded BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
