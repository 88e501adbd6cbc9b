-- A card declined in direct_entry moved no money: the customer may try
-- another card, as a new accept with a new Idempotency-Key. So an
-- opportunity can have several accepts (one per key, each replaying its own
-- answer) and several orders (all failed but the last); that only one ever
-- charges is kept by the opportunity's `open` -> `accepted` conditional
-- update, as before. Both tables are rebuilt without their one-per-
-- opportunity keys (SQLite cannot drop a constraint in place).

CREATE TABLE accepts_by_key (
    opportunity_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    order_id TEXT NOT NULL UNIQUE,
    response_status BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, idempotency_key)
);
INSERT INTO accepts_by_key (opportunity_id, idempotency_key, request_sha256, order_id, response_status, response_body, created_at)
    SELECT opportunity_id, idempotency_key, request_sha256, order_id, response_status, response_body, created_at FROM accepts;
DROP TABLE accepts;
ALTER TABLE accepts_by_key RENAME TO accepts;

CREATE TABLE orders_by_attempt (
    id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL,
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
    updated_at BIGINT NOT NULL,
    confirm_attempts BIGINT NOT NULL DEFAULT 0,
    next_check_at BIGINT,
    refunded_minor BIGINT NOT NULL DEFAULT 0
);
INSERT INTO orders_by_attempt (id, opportunity_id, affiliate_id, upseller_id, reason_code, customer_token, mode, items,
    amount_minor, currency, points, payment_reference, status, charge_id, failure, created_at, updated_at,
    confirm_attempts, next_check_at, refunded_minor)
    SELECT id, opportunity_id, affiliate_id, upseller_id, reason_code, customer_token, mode, items,
    amount_minor, currency, points, payment_reference, status, charge_id, failure, created_at, updated_at,
    confirm_attempts, next_check_at, refunded_minor FROM orders;
DROP TABLE orders;
ALTER TABLE orders_by_attempt RENAME TO orders;
CREATE INDEX orders_by_status ON orders (status, updated_at);
CREATE INDEX orders_by_affiliate ON orders (affiliate_id, created_at);
CREATE INDEX orders_by_upseller ON orders (upseller_id, created_at);
CREATE INDEX orders_by_opportunity ON orders (opportunity_id);
