-- An upseller may be asked live, while an opportunity opens, to confirm
-- the price and stock of what it is about to show: `quote_url`, proven by
-- a signed challenge like the other callback URLs. What the upseller
-- confirmed stays with the opportunity (`quoted`: a JSON map of SKU to the
-- live price), so the offer shown and the accept charge the same price.
ALTER TABLE merchants ADD COLUMN quote_url TEXT;
ALTER TABLE merchants ADD COLUMN quote_url_verified_at BIGINT;
ALTER TABLE opportunities ADD COLUMN quoted TEXT;
