-- Points are spent as well as earned. An order now moves points up to
-- three ways: `earned` when paid, `redeemed` when the customer spends
-- points on its reward (at the accept, before any money moves), and back
-- again when the order is declined or wholly refunded (`returned` gives
-- the spent points back, `revoked` takes the earned ones away, never more
-- than the customer still holds). The ledger is rebuilt with one entry per
-- order and kind (SQLite cannot drop a constraint in place).
--
-- `points_balances` is the ledger's sum per customer of an affiliate, kept
-- in the same transactions as the ledger: a redemption is one conditional
-- update of it, so concurrent redemptions cannot spend a point twice, and
-- the CHECK keeps any statement from taking it below zero.

CREATE TABLE points_entries (
    id TEXT PRIMARY KEY,
    affiliate_id TEXT NOT NULL,
    customer_token TEXT NOT NULL,
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    points BIGINT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (order_id, kind)
);
INSERT INTO points_entries (id, affiliate_id, customer_token, order_id, kind, points, at)
    SELECT id, affiliate_id, customer_token, order_id, 'earned', points, at FROM points_ledger;
DROP TABLE points_ledger;
ALTER TABLE points_entries RENAME TO points_ledger;
CREATE INDEX points_by_customer ON points_ledger (affiliate_id, customer_token, at);

CREATE TABLE points_balances (
    affiliate_id TEXT NOT NULL,
    customer_token TEXT NOT NULL,
    balance BIGINT NOT NULL CHECK (balance >= 0),
    PRIMARY KEY (affiliate_id, customer_token)
);
INSERT INTO points_balances (affiliate_id, customer_token, balance)
    SELECT affiliate_id, customer_token, SUM(points) FROM points_ledger
    GROUP BY affiliate_id, customer_token;

ALTER TABLE orders ADD COLUMN redeemed_points BIGINT NOT NULL DEFAULT 0;
