-- Follow-up offers: after an accept the reason code's `next` offer, after
-- a decline its `downsell`, each an opportunity of its own for the same
-- order, one step further along the order's chain (the first offer is step
-- 0). The order's unique key becomes (affiliate, order, step): two hubs
-- opening the same follow-up at once store one. `previous_id` is the
-- opportunity it follows; `purchase` keeps what selection needs of the
-- purchase (the SKUs bought and the total) for the follow-ups. The table
-- is rebuilt (SQLite cannot drop a constraint in place).

CREATE TABLE opportunities_by_step (
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
    card_attempts BIGINT NOT NULL DEFAULT 0,
    ship_to TEXT,
    step BIGINT NOT NULL DEFAULT 0,
    previous_id TEXT,
    purchase TEXT,
    UNIQUE (affiliate_id, order_id, step)
);
INSERT INTO opportunities_by_step (id, affiliate_id, order_id, ticket_nonce, customer_token, reason_code,
    upseller_id, incentive, currency, item_skus, body, status, created_at, expires_at, card_attempts, ship_to)
    SELECT id, affiliate_id, order_id, ticket_nonce, customer_token, reason_code,
    upseller_id, incentive, currency, item_skus, body, status, created_at, expires_at, card_attempts, ship_to
    FROM opportunities;
DROP TABLE opportunities;
ALTER TABLE opportunities_by_step RENAME TO opportunities;
CREATE INDEX opportunities_by_customer ON opportunities (affiliate_id, customer_token, created_at);
